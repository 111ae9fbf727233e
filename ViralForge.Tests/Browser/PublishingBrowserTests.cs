using System.Globalization;
using Microsoft.Playwright;
using ViralForge.Tests.Infrastructure;
using ViralForge.Tests.Publishing;

namespace ViralForge.Tests.Browser;

/// <summary>A reviewer in a real browser approves a video into a YouTube channel's next slot and watches it go live at the loopback platform.</summary>
[Trait("Category", "Browser")]
public sealed class PublishingBrowserTests
{
    [Fact]
    public async Task A_reviewer_approves_into_the_next_slot_and_sees_it_go_live_with_its_link()
    {
        await using var youtube = new LoopbackYouTube();
        var cs = await TestEnvironment.CreateDatabaseAsync("browserpublish");
        var folder = TestEnvironment.NewFolder("browserpublish");
        await using var studio = new StudioProcess(cs, folder, new()
        {
            ["Publishing__YouTube__ApiBaseUrl"] = youtube.BaseUrl,
            ["Publishing__YouTube__AnalyticsBaseUrl"] = youtube.BaseUrl,
            ["Publishing__YouTube__ChunkBytes"] = (256 * 1024).ToString(CultureInfo.InvariantCulture),
            ["Publishing__Google__AuthorizeUrl"] = youtube.BaseUrl + "authorize",
            ["Publishing__Google__TokenUrl"] = youtube.BaseUrl + "token",
            ["Publishing__Google__ClientId"] = LoopbackYouTube.ClientId,
            ["Publishing__Google__ClientSecret"] = LoopbackYouTube.ClientSecret,
            ["Publishing__Stats__FirstAfterSeconds"] = "1",
        });
        await studio.StartAsync();
        var admin = await studio.IssueApiKeyAsync("admin");
        var desk = new PublishingStudio(studio, admin, await studio.IssueApiKeyAsync("reviewer"));
        var videoId = await TestScripts.CreateVideoAsync(studio.Client(await studio.IssueApiKeyAsync("creator")), TestScripts.Brief(title: "Slots at work"));
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview", TimeSpan.FromSeconds(240), () => studio.Log);

        // The channel's only slot is a minute or two from now, in its own zone.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var slot = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddMinutes(2), zone);
        var channel = await desk.CreateChannelAsync(new
        {
            name = "Shorts NY",
            platform = "YouTube",
            timeZone = "America/New_York",
            slots = $"daily {slot:HH:mm}",
            dailyCap = 5,
            defaultPrivacy = "public",
            aiDisclosure = "Made with AI.",
            isDefault = true,
        });
        await desk.ConnectAsync(channel, youtube);

        await using var session = await BrowserSession.LogInAsync(studio, 1400, 1000);
        var page = session.Page;
        await session.OpenAsync($"videos/{videoId}");
        // Both default channels are ticked; this reviewer sends it to YouTube only, at the next free slot (the default choice).
        // MudBlazor puts the test id on the input or on its wrapper, depending on the version.
        static string Box(int id) => $"[data-testid=channel-{id}] >> xpath=descendant-or-self::input";
        await page.Locator(Box(1)).UncheckAsync();
        await Assertions.Expect(page.Locator(Box(1))).Not.ToBeCheckedAsync();
        await Assertions.Expect(page.Locator(Box(channel))).ToBeCheckedAsync();
        await page.ClickAsync("[data-testid=approve]");

        var row = page.Locator($"[data-testid=publication-{channel}]");
        await Assertions.Expect(row.Locator("[data-testid=publication-status]")).ToContainTextAsync("scheduled for", new() { Timeout = 30_000 });
        var scheduled = await desk.PublicationAsync(videoId, channel);
        Assert.Equal(slot.ToString("HH:mm", CultureInfo.InvariantCulture), TimeZoneInfo.ConvertTime(scheduled!.ScheduledFor, zone).ToString("HH:mm", CultureInfo.InvariantCulture));
        Assert.Empty(youtube.Videos);

        // At the slot the page turns live by itself, with the platform's link.
        await Assertions.Expect(row.Locator("[data-testid=publication-status]")).ToContainTextAsync("live since", new() { Timeout = 200_000 });
        var uploaded = Assert.Single(youtube.Videos);
        await Assertions.Expect(row.Locator("[data-testid=publication-link]")).ToHaveAttributeAsync("href", $"https://www.youtube.com/shorts/{uploaded.Id}");
        await Assertions.Expect(page.Locator("[data-testid=video-status]")).ToHaveTextAsync("published");
        Assert.True(DateTimeOffset.UtcNow >= scheduled.ScheduledFor, "It went out before its slot.");
        Assert.Null(await desk.PublicationAsync(videoId, 1));

        // The numbers come back from the platform and show on the video page and the channel's row.
        var (views, _, _) = LoopbackYouTube.NumbersOf(uploaded.Id);
        await desk.NumbersAsync(videoId, channel);
        await session.OpenAsync($"videos/{videoId}");
        await Assertions.Expect(page.Locator("[data-testid=publication-numbers]")).ToContainTextAsync($"{views:N0} views");
        await session.OpenAsync("admin/channels");
        await Assertions.Expect(page.Locator($"[data-testid=channel-numbers-{channel}]")).ToContainTextAsync($"1 · {views:N0}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, "published.png"), FullPage = true });
    }
}
