// ViralForge benchmarks: scripts/bench [pickup|compose|svd|sdturbo|upload|dups|trends|demo|board|memory]. Each measure ends with one line
// "BENCH <name> <value> <unit> target <op><value>".
using ViralForge.Bench;

var which = args.Length > 0 ? args[0] : "all";
var admin = Environment.GetEnvironmentVariable("VIRALFORGE_TEST_PG")
    ?? throw new InvalidOperationException("Run through scripts/bench, which starts a throwaway PostgreSQL.");
var scratch = Environment.GetEnvironmentVariable("VIRALFORGE_TEST_SCRATCH") ?? Path.GetTempPath();

if (which is "all" or "pickup")
{
    await PickupBench.RunAsync(admin, scratch);
}
if (which is "all" or "compose")
{
    await ComposeBench.RunAsync(scratch);
}
if (which is "all" or "storage")
{
    await StorageBench.RunAsync(scratch);
}
if (which is "all" or "svd")
{
    SvdBench.Run(scratch);
}
if (which is "all" or "sdturbo")
{
    SdTurboBench.Run(scratch);
}
if (which is "all" or "upload")
{
    await UploadBench.RunAsync(scratch);
}
if (which is "all" or "dups")
{
    await DuplicateBench.RunAsync(admin, scratch);
}
if (which is "all" or "trends")
{
    await TrendBench.RunAsync(admin, scratch);
}
if (which is "all" or "demo")
{
    await DemoBench.RunAsync(admin, scratch);
}
if (which is "all" or "stock")
{
    await StockBench.RunAsync(admin, scratch);
}
if (which is "all" or "board")
{
    await OperationsBench.BoardAsync(admin, scratch);
}
if (which is "all" or "scale")
{
    await ScaleBench.RunAsync(admin, scratch);
}
if (which is "all" or "memory")
{
    // 200 videos take about half an hour on two cores; VIRALFORGE_BENCH_MEMORY_VIDEOS makes a shorter look.
    var videos = int.TryParse(Environment.GetEnvironmentVariable("VIRALFORGE_BENCH_MEMORY_VIDEOS"), out var n) && n >= 20 ? n : 200;
    await OperationsBench.MemoryAsync(admin, scratch, videos);
}
