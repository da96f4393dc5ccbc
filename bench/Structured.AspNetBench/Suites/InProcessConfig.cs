using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AspNetBench;

/// <summary>BenchmarkDotNet in this process (no generated project beside the sources), with the memory diagnoser and ratios to each table's baseline.</summary>
public class InProcessConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public InProcessConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(BaselineRatioColumn.RatioMean, CategoriesColumn.Default);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}
