using System.Net;
using System.Text.Json.Nodes;
using Npgsql;

namespace ViralForge.Tests.Infrastructure;

/// <summary>What the stock tests share: files served the way a CDN serves them, and the media info the studio recorded.</summary>
public static class StockFixtures
{
    /// <summary>A file answer; <paramref name="breakOff"/> sends half of it and drops the connection.</summary>
    public static Func<HttpListenerContext, Task> Serve(byte[] bytes, string type, bool breakOff = false) => async context =>
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = type;
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes.AsMemory(0, breakOff ? bytes.Length / 2 : bytes.Length));
        if (breakOff)
        {
            context.Response.Abort();
            return;
        }
        context.Response.Close();
    };

    /// <summary>The media info of a video's artifacts of one kind; with <paramref name="liveOnly"/>, only outputs of live runs.</summary>
    public static async Task<List<JsonNode>> MediaInfosAsync(string cs, Guid videoId, string kind, bool liveOnly = false)
    {
        var infos = new List<JsonNode>();
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(liveOnly
            ? """
              SELECT a.media_info_json FROM artifacts a JOIN stage_runs r ON a.id = ANY(r.output_artifact_ids)
              WHERE a.video_id = $1 AND a.kind = $2 AND r.superseded_at IS NULL
              """
            : "SELECT media_info_json FROM artifacts WHERE video_id = $1 AND kind = $2", conn);
        cmd.Parameters.AddWithValue(videoId);
        cmd.Parameters.AddWithValue(kind);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            infos.Add(JsonNode.Parse(reader.GetString(0))!);
        }
        return infos;
    }
}
