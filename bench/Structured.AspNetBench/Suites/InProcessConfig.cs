using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AspNetBench;

/// <summary>BenchmarkDotNet in this process (no generated project beside the sources), with the memory diagnoser and ratios to each table's baseline.</summary>
public class InProcessConfig : ManualConfig
{
    /// <summary>Creates the configuration: BenchmarkDotNet's default job, in this process.</summary>
    public InProcessConfig()
        : this(withJob: true)
    {
    }

    /// <summary>Creates the configuration; without a job when the command line names one (<c>--job short --inProcess</c>).</summary>
    public InProcessConfig(bool withJob)
    {
        // BenchmarkDotNet's loggers, columns and exporters; the job, diagnoser and ratio columns below.
        Add(DefaultConfig.Instance);
        if (withJob)
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(BaselineRatioColumn.RatioMean, CategoriesColumn.Default);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}
