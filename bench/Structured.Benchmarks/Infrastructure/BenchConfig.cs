using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Benchmarks;

/// <summary>
/// The BenchmarkDotNet configuration of the suite: in-process (no generated project is built next to the
/// sources), memory diagnoser, ratio columns against each table's baseline.
/// </summary>
public class BenchConfig : ManualConfig
{
    /// <summary>Whether benchmarks run in this process (default) or in a process built by BenchmarkDotNet (<c>--outofproc</c>).</summary>
    public static bool InProcess { get; set; } = true;

    /// <summary>
    /// True when the command line names a job (<c>--job short</c>): then that job replaces the suite's own
    /// instead of running beside it.
    /// </summary>
    public static bool CommandLineJob { get; set; }

    /// <summary>The default job: BenchmarkDotNet's own pilot, warm-up and iteration counts.</summary>
    public BenchConfig()
        : this(Job.Default)
    {
    }

    /// <summary>A configuration around <paramref name="job"/>.</summary>
    protected BenchConfig(Job job)
    {
        if (!CommandLineJob)
            AddJob(InProcess ? job.WithToolchain(InProcessEmitToolchain.Instance) : job);
        AddDiagnoser(MemoryDiagnoser.Default, ExceptionDiagnoser.Default);
        AddColumn(BaselineRatioColumn.RatioMean, CategoriesColumn.Default);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
        WithSummaryStyle(BenchmarkDotNet.Reports.SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend));
    }
}

/// <summary>For workloads whose one invocation takes a second or more (W5, W6): monitoring, 1 warm-up, 5 measured runs.</summary>
public class SlowBenchConfig : BenchConfig
{
    /// <summary>Creates the configuration.</summary>
    public SlowBenchConfig()
        : base(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5))
    {
    }
}
