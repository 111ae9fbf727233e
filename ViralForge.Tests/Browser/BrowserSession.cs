using Microsoft.Playwright;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Browser;

/// <summary>Debian's chromium driven by Playwright, logged in to a running studio (as its admin unless told otherwise).</summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly Uri _base;

    private BrowserSession(IPlaywright playwright, IBrowser browser, IPage page, Uri baseAddress) =>
        (_playwright, _browser, Page, _base) = (playwright, browser, page, baseAddress);

    public IPage Page { get; }

    public static async Task<BrowserSession> LogInAsync(StudioProcess studio, int width = 1280, int height = 900) =>
        await LogInAsync(studio, StudioProcess.AdminEmail, StudioProcess.AdminPassword, width, height);

    public static async Task<BrowserSession> LogInAsync(StudioProcess studio, string email, string password, int width = 1280, int height = 900)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await StudioBrowserTests.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new() { Width = width, Height = height } });
        page.SetDefaultTimeout(30_000);
        await StudioBrowserTests.LogInAsync(page, studio.BaseAddress, email, password);
        return new BrowserSession(playwright, browser, page, studio.BaseAddress);
    }

    /// <summary>Opens a studio page and waits until its circuit is live.</summary>
    public async Task OpenAsync(string path)
    {
        await Page.GotoAsync(new Uri(_base, path).ToString());
        await StudioBrowserTests.WaitInteractiveAsync(Page);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
