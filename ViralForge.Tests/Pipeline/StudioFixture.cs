using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Pipeline;

/// <summary>One running studio with one finished-to-review video, shared by a test class.</summary>
public sealed class StudioFixture : IAsyncLifetime
{
    public StudioProcess Studio { get; private set; } = default!;
    public PipelineDb Db { get; private set; } = default!;
    public Guid VideoId { get; private set; }
    public Dictionary<string, string> Keys { get; } = [];

    public async Task InitializeAsync()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("api");
        // Four eyes on: every video here is started and approved by different keys, except where a test says otherwise.
        Studio = new StudioProcess(cs, TestEnvironment.NewFolder("api"), new() { ["Pipeline__FourEyes"] = "true" });
        Db = new PipelineDb(cs);
        await Studio.StartAsync();
        foreach (var role in new[] { "creator", "reviewer", "admin" })
        {
            Keys[role] = await Studio.IssueApiKeyAsync(role);
        }
        VideoId = await TestScripts.CreateVideoAsync(Studio.Client(Keys["creator"]), TestScripts.Brief());
        await Eventually.WaitAsync(async () => await Db.VideoStatusAsync(VideoId) == "AwaitingReview",
            TimeSpan.FromSeconds(120), () => "Video did not reach review.\n" + Studio.Log);
    }

    public async Task DisposeAsync() => await Studio.DisposeAsync();
}
