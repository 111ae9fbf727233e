using ViralForge.Core.Media;
using ViralForge.Tests.Infrastructure;

namespace ViralForge.Tests.Operations;

/// <summary>
/// The README's first command, as many users run it: as root, from a clone in a folder only root may
/// open (a home folder under /root is mode 700), where PostgreSQL's own OS user cannot enter.
/// </summary>
[Collection(SerialCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EmbeddedDatabaseScriptTests
{
    [Fact]
    public async Task The_embedded_database_starts_and_restarts_from_a_clone_in_a_private_folder()
    {
        var home = TestEnvironment.NewFolder("home");
        File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var pg = Path.Combine(home, "clone", ".data", "pg");
        var lib = Path.Combine(TestEnvironment.RepositoryRoot(), "scripts", "lib.sh");
        // Start, query, stop, then start again (the second start must find the same cluster), query, stop.
        var script = $$"""
            source '{{lib}}'
            VF_PG_FSYNC=off vf_pg_start '{{pg}}'
            PGPASSWORD=$VF_PG_PASSWORD psql -h 127.0.0.1 -p "$VF_PG_PORT" -U viralforge -d viralforge -tAc "CREATE TABLE marker(x int); INSERT INTO marker VALUES (42)"
            vf_pg_stop '{{pg}}'
            VF_PG_FSYNC=off vf_pg_start '{{pg}}'
            echo "answer=$(PGPASSWORD=$VF_PG_PASSWORD psql -h 127.0.0.1 -p "$VF_PG_PORT" -U viralforge -d viralforge -tAc 'SELECT x FROM marker')"
            vf_pg_stop '{{pg}}'
            """;
        string? relocated = null;
        try
        {
            var result = await ProcessRunner.RunAsync("bash", ["-c", script], TimeSpan.FromMinutes(3), CancellationToken.None);
            Assert.True(result.ExitCode == 0, $"The embedded database did not start from a mode-700 folder: {result.StdOut}\n{result.StdErrTail}");
            Assert.Contains("answer=42", result.StdOut);
            Assert.DoesNotContain("Permission denied", result.StdErrTail);
            if (Environment.UserName == "root")
            {
                // PostgreSQL runs as its own user, which may not enter the folder: the data lives where it may.
                relocated = new FileInfo(pg).LinkTarget;
                Assert.NotNull(relocated);
                Assert.StartsWith("/var/lib/viralforge/", relocated);
                Assert.True(File.Exists(Path.Combine(relocated, "data", "PG_VERSION")));
            }
        }
        finally
        {
            if (relocated is not null)
            {
                Directory.Delete(relocated, recursive: true);
            }
        }
    }
}
