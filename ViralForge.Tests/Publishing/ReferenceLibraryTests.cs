using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Publishing;

/// <summary>
/// The gate's reference content through the studio's API: uploads are fingerprinted (hostile files
/// refused with the reason), files in the reference folder are listed beside them, only admins manage
/// them, and a folder file is forgotten by removing it (the gate itself is in <see cref="DuplicateGateTests"/>).
/// </summary>
public sealed class ReferenceLibraryTests
{
    [Fact]
    public async Task Admins_upload_list_and_forget_reference_content_and_a_hostile_file_is_refused_in_words()
    {
        var cs = await TestEnvironment.CreateDatabaseAsync("references");
        var folder = TestEnvironment.NewFolder("references");
        var reference = Path.Combine(folder, "reference");
        Directory.CreateDirectory(Path.Combine(reference, "archive"));
        await using var studio = new StudioProcess(cs, folder, new() { ["Publishing__Duplicates__ReferenceFolder"] = reference });
        await studio.StartAsync();
        var admin = studio.Client(await studio.IssueApiKeyAsync("admin"));
        var creator = studio.Client(await studio.IssueApiKeyAsync("creator"));

        var clip = Path.Combine(folder, "Launch teaser\u202e4pm.mp4");
        await FfmpegAsync("-f", "lavfi", "-i", "testsrc2=size=540x960:rate=30", "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", clip);
        File.Copy(clip, Path.Combine(reference, "archive", "old-cut.mp4"));

        // An upload is fingerprinted and named by its file name, cleaned; the same name again is kept apart.
        var first = await UploadAsync(admin, clip);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var item = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Launch teaser4pm.mp4", item.GetProperty("name").GetString());
        Assert.InRange(item.GetProperty("frames").GetInt32(), 6, 10);
        var second = await (await UploadAsync(admin, clip)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Launch teaser4pm (2).mp4", second.GetProperty("name").GetString());

        // A playlist that points at the network and a text file posing as a video are refused with the reason; nothing is kept.
        var playlist = Path.Combine(folder, "trap.mp4");
        await File.WriteAllTextAsync(playlist, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhttp://127.0.0.1:9/segment.ts\n#EXT-X-ENDLIST\n");
        var refused = await UploadAsync(admin, playlist);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()));

        // The list has both uploads and the folder's file, read when listed.
        var list = (await admin.GetFromJsonAsync<JsonElement>("api/references")).EnumerateArray().ToList();
        Assert.Equal(["Launch teaser4pm (2).mp4", "Launch teaser4pm.mp4", Path.Combine("archive", "old-cut.mp4")], list.Select(i => i.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        var fromFolder = list.Single(i => !i.GetProperty("uploaded").GetBoolean());
        Assert.Equal(item.GetProperty("frames").GetInt32(), fromFolder.GetProperty("frames").GetInt32());

        // Creators may neither see nor change it.
        Assert.Equal(HttpStatusCode.Forbidden, (await creator.GetAsync("api/references")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(creator, clip)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await creator.DeleteAsync($"api/references/{item.GetProperty("id").GetInt64()}")).StatusCode);

        // A folder file is forgotten by removing it from the folder, an upload by deleting it here.
        var folderDelete = await admin.DeleteAsync($"api/references/{fromFolder.GetProperty("id").GetInt64()}");
        Assert.Equal(HttpStatusCode.Conflict, folderDelete.StatusCode);
        Assert.Contains("remove the file there", await folderDelete.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/references/{item.GetProperty("id").GetInt64()}")).StatusCode);
        File.Delete(Path.Combine(reference, "archive", "old-cut.mp4"));
        var left = (await admin.GetFromJsonAsync<JsonElement>("api/references")).EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList();
        Assert.Equal(["Launch teaser4pm (2).mp4"], left);
        Assert.Contains("reference.add", studio.Log + await AuditActionsAsync(cs));
    }

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string path)
    {
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(File.OpenRead(path));
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("video/mp4");
        form.Add(file, "file", Path.GetFileName(path));
        return await client.PostAsync("api/references", form);
    }

    private static async Task<string> AuditActionsAsync(string cs)
    {
        await using var conn = new Npgsql.NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT string_agg(action, ',') FROM audit_log", conn);
        return (await cmd.ExecuteScalarAsync()) as string ?? "";
    }

    private static async Task FfmpegAsync(params string[] args)
    {
        var result = await Core.Media.ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", .. args], TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.True(result.ExitCode == 0, string.Join(' ', args) + ": " + result.StdErrTail);
    }
}
