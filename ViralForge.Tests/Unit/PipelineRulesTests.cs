using ViralForge.Core.Data;
using ViralForge.Core.Keyframes;
using ViralForge.Core.Pipeline;
using ViralForge.Core.Publishing;

namespace ViralForge.Tests.Unit;

public sealed class PipelineRulesTests
{
    [Fact]
    public void Backoff_grows_exponentially_with_jitter_and_a_cap()
    {
        var random = new Random(42);
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            var expected = Math.Min(60, 2 * Math.Pow(2, attempt - 1));
            var samples = Enumerable.Range(0, 200).Select(_ => Backoff.Delay(attempt, 2, 60, random).TotalSeconds).ToList();
            Assert.All(samples, s => Assert.InRange(s, expected / 2, expected));
            Assert.True(samples.Distinct().Count() > 150, "Delays must be jittered, not identical.");
        }
    }

    [Fact]
    public void Downstream_follows_the_stage_graph()
    {
        Assert.Equal([StageKind.Clips, StageKind.Compose, StageKind.Review, StageKind.Publish], StageGraph.Downstream(StageKind.Keyframes));
        Assert.Equal([StageKind.Compose, StageKind.Review, StageKind.Publish], StageGraph.Downstream(StageKind.Narration));
        Assert.Equal(6, StageGraph.Downstream(StageKind.Script).Count);
        Assert.Empty(StageGraph.Downstream(StageKind.Publish));
        Assert.False(StageGraph.Get(StageKind.Review).Reusable);
        Assert.Equal(Queues.Gpu, StageGraph.Get(StageKind.Clips).Queue);
    }

    [Fact]
    public void Video_status_follows_its_live_runs()
    {
        StageRun Run(StageKind stage, StageRunStatus status, bool superseded = false) =>
            new() { Stage = stage, Status = status, SupersededAt = superseded ? DateTimeOffset.UtcNow : null };
        Assert.Equal(VideoStatus.InProgress, VideoStatusRules.From([Run(StageKind.Script, StageRunStatus.Running)]));
        Assert.Equal(VideoStatus.Failed, VideoStatusRules.From([Run(StageKind.Clips, StageRunStatus.DeadLettered)]));
        Assert.Equal(VideoStatus.InProgress, VideoStatusRules.From([Run(StageKind.Clips, StageRunStatus.DeadLettered, superseded: true)]));
        Assert.Equal(VideoStatus.AwaitingReview, VideoStatusRules.From([Run(StageKind.Review, StageRunStatus.Waiting)]));
        Assert.Equal(VideoStatus.Rejected, VideoStatusRules.From([Run(StageKind.Review, StageRunStatus.Rejected)]));
        Assert.Equal(VideoStatus.Approved, VideoStatusRules.From([Run(StageKind.Review, StageRunStatus.Succeeded), Run(StageKind.Publish, StageRunStatus.Queued)]));
        // The gate passing is not publication: the first live publication marks the video published.
        Assert.Equal(VideoStatus.Approved, VideoStatusRules.From([Run(StageKind.Publish, StageRunStatus.Succeeded)]));
    }

    [Fact]
    public void Title_cards_wrap_on_word_boundaries()
    {
        Assert.Equal("Octopuses have\nthree hearts.", KeyframeStage.Wrap("Octopuses have three hearts.", 16));
        Assert.Equal("Supercalifragilistic", KeyframeStage.Wrap("Supercalifragilistic", 5));
        Assert.Equal("", KeyframeStage.Wrap("   ", 10));
    }

    [Theory]
    [InlineData("Octopuses are stranger than you think!", "octopuses-are-stranger-than-you-think")]
    [InlineData("../../etc/passwd", "etc-passwd")]
    [InlineData("¡¡¡", "video")]
    public void Outbox_names_are_safe_slugs(string title, string slug) => Assert.Equal(slug, OutboxPublisher.Slug(title));
}
