using System.Diagnostics;
using ViralForge.Core.Trends;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Trends;

/// <summary>
/// Hostile or broken answers: each gives the source a clear error in plain words, quickly, and the
/// items from its last good fetch stay on the page marked stale.
/// </summary>
public sealed class HostileTrendBodiesTests : IAsyncLifetime
{
    private readonly LoopbackTrendHost _host = new();
    private TrendHarness _studio = null!;
    private string _answer = "good";

    public async Task InitializeAsync()
    {
        _studio = await TrendHarness.StartAsync("trendhostile", _host);
        var good = TrendBodies.GoogleTrends(DateTimeOffset.UtcNow.AddMinutes(-10));
        var hang = _host.Hang();
        _host.Route("/feed.xml", context => _answer switch
        {
            "laughs" => LoopbackTrendHost.Body("application/rss+xml", TrendBodies.BillionLaughs)(context),
            "truncated" => LoopbackTrendHost.Body("application/rss+xml", TrendBodies.Truncated)(context),
            "html" => LoopbackTrendHost.Body("text/html; charset=utf-8", TrendBodies.HtmlPage)(context),
            "huge" => LoopbackTrendHost.Huge(50)(context),
            "hang" => hang(context),
            "500" => LoopbackTrendHost.Body("text/html", "<h1>Internal Server Error</h1>", status: 500)(context),
            _ => LoopbackTrendHost.Body("application/rss+xml", good)(context),
        });
    }

    public async Task DisposeAsync()
    {
        await _studio.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Theory]
    [InlineData("laughs", "The feed declares a DTD (<!DOCTYPE>), which is refused")]
    [InlineData("truncated", "The feed is not well-formed XML at line")]
    [InlineData("html", "The address returned a web page (text/html), not an RSS or Atom feed")]
    [InlineData("huge", "The answer is larger than the 1 MB a source may send (Trends:MaxBodyBytes)")]
    [InlineData("hang", "did not answer within 2 s")]
    [InlineData("500", "failed on its side (500 Internal Server Error)")]
    public async Task A_hostile_answer_is_a_clear_error_and_the_last_good_items_stay_stale(string answer, string expected)
    {
        var id = await _studio.AddSourceAsync("Feed " + answer, TrendSourceKind.Feed, _host.BaseUrl + "feed.xml");
        _answer = "good";
        Assert.Null((await _studio.FetchAsync(id)).LastError);
        var before = await _studio.Queries.ListAsync(new TrendFilter(SourceId: id), CancellationToken.None);
        Assert.Equal(3, before.Total);
        Assert.All(before.Rows, r => Assert.False(r.Stale));

        _answer = answer;
        var clock = Stopwatch.StartNew();
        var health = await _studio.FetchAsync(id);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the failure took {clock.Elapsed}");
        Assert.NotNull(health.LastError);
        Assert.Contains(expected, health.LastError, StringComparison.Ordinal);
        Assert.Equal(1, health.Failures);
        Assert.True(health.NextRunAt > DateTimeOffset.UtcNow, "a failed source is retried later, not at once");
        Assert.Null(health.RunningSince);

        var after = await _studio.Queries.ListAsync(new TrendFilter(SourceId: id), CancellationToken.None);
        Assert.Equal(before.Rows.Select(r => r.Title), after.Rows.Select(r => r.Title));
        Assert.All(after.Rows, r => Assert.True(r.Stale));

        // Back to good: fresh again, failures forgotten.
        _answer = "good";
        var recovered = await _studio.FetchAsync(id);
        Assert.Equal(0, recovered.Failures);
        Assert.All((await _studio.Queries.ListAsync(new TrendFilter(SourceId: id), CancellationToken.None)).Rows, r => Assert.False(r.Stale));
    }

    [Fact]
    public async Task Json_sources_refuse_a_web_page_and_a_wrong_shape_in_words()
    {
        _host.Route("/hn/v0/topstories.json", LoopbackTrendHost.Body("text/html", TrendBodies.HtmlPage));
        _host.Route("/api/list", LoopbackTrendHost.Body("application/json", "{\"data\":{\"items\":{\"not\":\"a list\"}}}"));
        var hn = await _studio.AddSourceAsync("HN", TrendSourceKind.HackerNews, "top");
        var json = await _studio.AddSourceAsync("API", TrendSourceKind.Json, _host.BaseUrl + "api/list", new TrendSourceSettings { ItemsPath = "data.items", TitleField = "title" });
        Assert.StartsWith("The story list is not valid JSON (it sent text/html)", (await _studio.FetchAsync(hn)).LastError, StringComparison.Ordinal);
        Assert.Equal("There is no list at “data.items” in the answer.", (await _studio.FetchAsync(json)).LastError);
    }
}
