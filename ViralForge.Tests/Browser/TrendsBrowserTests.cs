using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using ViralForge.Tests.Infrastructure;
using ViralForge.Tests.Trends;

namespace ViralForge.Tests.Browser;

/// <summary>An admin adds a feed in a real browser; a creator makes a video from one trend and drafts two more at once.</summary>
[Trait("Category", "Browser")]
public sealed class TrendsBrowserTests
{
    [Fact]
    public async Task An_admin_adds_a_feed_and_a_creator_drafts_videos_from_its_trends()
    {
        await using var feeds = new LoopbackTrendHost();
        feeds.Route("/daily.xml", LoopbackTrendHost.Body("application/rss+xml", TrendBodies.GoogleTrends(DateTimeOffset.UtcNow.AddMinutes(-15)), etag: "\"d1\""));
        await using var model = new LoopbackChatServer { Otherwise = new LoopbackChatServer.Answer(Script.ScriptModelHost.GoodScript().ToJson()) };
        var cs = await TestEnvironment.CreateDatabaseAsync("browsertrends");
        await using var studio = new StudioProcess(cs, TestEnvironment.NewFolder("browsertrends"), new()
        {
            ["Script__Endpoint"] = model.Endpoint,
            ["Script__Model"] = "loopback-model",
            ["Trends__DispatchEverySeconds"] = "1",
        });
        await studio.StartAsync();
        await using var session = await BrowserSession.LogInAsync(studio, 1400, 1000);
        var page = session.Page;

        await session.OpenAsync("admin/sources");
        await page.Locator("input[data-testid=source-name], [data-testid=source-name] input").FillAsync("Google Trends US");
        await page.Locator("input[data-testid=source-address], [data-testid=source-address] input").FillAsync(feeds.BaseUrl + "daily.xml");
        await page.ClickAsync("[data-testid=source-save]");
        var row = page.Locator("[data-testid=source-row-1]");
        await Assertions.Expect(row).ToContainTextAsync("Google Trends US");
        // The sweep reads it within seconds; the page refreshes its health by itself.
        await Assertions.Expect(row.Locator("[data-testid=source-success]")).ToContainTextAsync("ago", new() { Timeout = 30_000 });
        await Assertions.Expect(row.Locator("[data-testid=source-budget]")).ToContainTextAsync("59 of 60 this hour");
        await Assertions.Expect(row.Locator("[data-testid=source-circuit]")).ToContainTextAsync("closed");

        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));
        var trends = (await creator.GetFromJsonAsync<JsonElement>("api/trends")).GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("title").GetString()!, r => r.GetProperty("id").GetInt64());
        Assert.Equal(3, trends.Count);

        await session.OpenAsync("trends");
        await Assertions.Expect(page.Locator("[data-testid=trend-count]")).ToHaveTextAsync("3 stories");
        var aurora = page.Locator($"[data-testid=trend-{trends["northern lights"]}]");
        await Assertions.Expect(aurora).ToContainTextAsync("500K+ searches");
        await Assertions.Expect(aurora).ToContainTextAsync("Northern lights may be visible & bright tonight in 15 states (NBC News)");
        await aurora.Locator($"[data-testid=make-video-{trends["northern lights"]}]").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=from-trend]")).ToContainTextAsync("From trend: “northern lights” (Google Trends US)");
        await Assertions.Expect(page.Locator("textarea[data-testid=topic], [data-testid=topic] textarea")).ToHaveValueAsync("northern lights");
        // The loopback model writes a 20-second script.
        var seconds = page.Locator("input[data-testid=seconds], [data-testid=seconds] input");
        await seconds.FillAsync("20");
        await seconds.PressAsync("Tab");
        await page.ClickAsync("[data-testid=create-video]");
        await Assertions.Expect(page.Locator("[data-testid=script-draft]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var first = (await creator.GetFromJsonAsync<JsonElement>("api/videos"))[0];
        var detail = await creator.GetFromJsonAsync<JsonElement>($"api/videos/{first.GetProperty("id").GetGuid()}");
        Assert.Contains("From trend: “northern lights” (Google Trends US) https://www.nbcnews.com/science/aurora-tonight-rcna1", detail.GetProperty("brief").GetString());
        // The trend reached the model only as the delimited topic.
        Assert.Contains("<topic>northern lights</topic>", model.Requests.Last().Body.ToJsonString().Replace("\\u003C", "<", StringComparison.Ordinal).Replace("\\u003E", ">", StringComparison.Ordinal));

        // Two more at once: one draft each, written by the model, waiting for the creator.
        await session.OpenAsync("trends");
        static string Box(long id) => $"[data-testid=select-{id}] >> xpath=descendant-or-self::input";
        await page.Locator(Box(trends["lakers"])).CheckAsync();
        await page.Locator(Box(trends["eclipse 2026"])).CheckAsync();
        await Assertions.Expect(page.Locator("[data-testid=draft-all]")).ToContainTextAsync("Draft all (2)");
        var draftSeconds = page.Locator("input[data-testid=draft-seconds], [data-testid=draft-seconds] input");
        await draftSeconds.FillAsync("20");
        await draftSeconds.PressAsync("Tab");
        await page.ClickAsync("[data-testid=draft-all]");
        await Assertions.Expect(page.Locator("[data-testid=draft-outcomes] a")).ToHaveCountAsync(2);
        await Eventually.WaitAsync(async () =>
            (await creator.GetFromJsonAsync<JsonElement>("api/videos")).EnumerateArray().Count(v => v.GetProperty("status").GetString() == "ScriptDraft") == 3,
            TimeSpan.FromSeconds(60), () => studio.Log[^Math.Min(4000, studio.Log.Length)..]);
    }
}
