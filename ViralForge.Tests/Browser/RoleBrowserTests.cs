using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Browser;

/// <summary>The studio as a creator and as a reviewer see it, each signed in with their own account.</summary>
[Trait("Category", "Browser")]
public sealed class RoleBrowserTests
{
    [Fact]
    public async Task A_creator_regenerates_a_scene_through_the_typed_form_and_a_reviewer_may_approve_but_not_regenerate()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("roles");
        var folder = TestEnvironment.NewFolder("roles");
        await using var studio = new StudioProcess(cs, folder);
        await studio.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        foreach (var (email, role) in new[] { ("cora@viralforge.test", "creator"), ("rex@viralforge.test", "reviewer") })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("api/users", new { email, password = "Role-Password-123", roles = new[] { role } })).StatusCode);
        }
        var videoId = await TestScripts.CreateVideoAsync(admin, TestScripts.Brief(title: "Seen by roles"));
        var db = new PipelineDb(cs);
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview",
            TimeSpan.FromSeconds(150), () => "The video did not reach review.\n" + studio.Log);

        await using (var creator = await BrowserSession.LogInAsync(studio, "cora@viralforge.test", "Role-Password-123"))
        {
            var page = creator.Page;
            await Assertions.Expect(page.Locator("a[href='videos/new']").First).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("a[href='admin/users']")).ToHaveCountAsync(0);
            await creator.OpenAsync($"videos/{videoId}");
            await Assertions.Expect(page.Locator("[data-testid=approve]")).ToHaveCountAsync(0);

            // The retry form shows the stage's own parameters; an out-of-range value is refused in words and nothing runs.
            await page.Locator("[data-testid=retry-Clips-2]").ClickAsync();
            var form = page.Locator("[data-testid=retry-form]");
            await Assertions.Expect(form.Locator("[data-parameter=motion]")).ToBeVisibleAsync();
            await Assertions.Expect(form.Locator("[data-parameter=steps]")).ToContainTextAsync("steps (2–150)");
            var duration = form.Locator("[data-parameter=durationSeconds] input");
            await duration.FillAsync("9");
            await page.Locator("[data-testid=retry-confirm]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=retry-error]")).ToContainTextAsync("'durationSeconds' is 9; it must be between 2 and 4");
            await duration.FillAsync("3");
            await page.Locator("[data-testid=retry-confirm]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=retry-form]")).ToHaveCountAsync(0);
            await page.ScreenshotAsync(new() { Path = Path.Combine(folder, "creator.png") });
        }
        await Eventually.WaitAsync(async () => await db.VideoStatusAsync(videoId) == "AwaitingReview"
                && (await db.RunsAsync(videoId)).Count(r => r.Stage == "Clips" && r.Scene == 1) == 2,
            TimeSpan.FromSeconds(150), () => "The regenerated scene did not come back to review.\n" + studio.Log);
        var detail = await admin.GetFromJsonAsync<JsonElement>($"api/videos/{videoId}");
        // The API gives a run's scene as its index: the second scene is 1.
        var clip = detail.GetProperty("runs").EnumerateArray().Single(r => r.GetProperty("stage").GetString() == "Clips" && r.GetProperty("scene").GetInt32() == 1);
        Assert.True(clip.GetProperty("parameters").TryGetProperty("durationSeconds", out var seconds), clip.ToString());
        Assert.Equal(3, seconds.GetDouble());

        await using (var reviewer = await BrowserSession.LogInAsync(studio, "rex@viralforge.test", "Role-Password-123"))
        {
            var page = reviewer.Page;
            await Assertions.Expect(page.Locator("a[href='videos/new']")).ToHaveCountAsync(0);
            await reviewer.OpenAsync($"videos/{videoId}");
            await Assertions.Expect(page.Locator("[data-testid=approve]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid^=retry-]")).ToHaveCountAsync(0);
            // A page for admins is refused, not shown.
            await page.GotoAsync(new Uri(studio.BaseAddress, "admin/users").ToString());
            await page.WaitForURLAsync("**/Account/Denied**");
        }
    }
}
