using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace ViralForge.Tests.Unit;

/// <summary>
/// compose.yaml as docker-compose itself reads it (<c>config</c> needs no engine): valid, only the studio
/// published, a health check on every service, workers in the worker role, the GPU worker pinned,
/// artifacts in the store.
/// </summary>
public sealed class ComposeFileTests
{
    [Fact]
    public async Task The_compose_file_is_valid_and_publishes_only_the_studio()
    {
        var root = Infrastructure.TestEnvironment.RepositoryRoot();
        var folder = Directory.CreateTempSubdirectory("vf-compose-").FullName;
        // As a user would: the example env file copied to .env beside compose.yaml.
        File.Copy(Path.Combine(root, ".env.example"), Path.Combine(folder, ".env"));
        File.Copy(Path.Combine(root, "compose.yaml"), Path.Combine(folder, "compose.yaml"));
        var psi = new ProcessStartInfo("docker-compose") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var arg in new[] { "-f", "compose.yaml", "config" })
        {
            psi.ArgumentList.Add(arg);
        }
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"docker-compose config refused compose.yaml: {errors}");

        var yaml = new YamlStream();
        yaml.Load(new StringReader(await output));
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
        var names = services.Children.Keys.Select(k => k.ToString()).ToHashSet();
        Assert.Equal(["db", "store", "studio", "worker-cpu", "worker-gpu"], names.Order());
        foreach (var (name, node) in services.Children)
        {
            var service = (YamlMappingNode)node;
            Assert.True(service.Children.ContainsKey("healthcheck"), $"{name} has no health check.");
            Assert.Equal(name.ToString() == "studio", service.Children.ContainsKey("ports"));
        }
        foreach (var worker in new[] { "worker-cpu", "worker-gpu" })
        {
            var command = ((YamlSequenceNode)((YamlMappingNode)services[worker])["command"]).Select(n => n.ToString()).ToList();
            Assert.Equal(["--role", "worker"], command.Take(2));
        }
        var gpu = (YamlMappingNode)services["worker-gpu"];
        var device = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)gpu["deploy"])["resources"])["reservations"])["devices"])[0];
        Assert.Equal(["0"], ((YamlSequenceNode)device["device_ids"]).Select(n => n.ToString()));
        Assert.Equal("gpu", ((YamlMappingNode)gpu["build"])["args"] is YamlMappingNode args ? args["VARIANT"].ToString() : null);

        // Every ViralForge process keeps its artifacts in the store's bucket.
        foreach (var name in new[] { "studio", "worker-cpu", "worker-gpu" })
        {
            var env = (YamlMappingNode)((YamlMappingNode)services[name])["environment"];
            Assert.Equal("s3", env["Storage__Backend"].ToString());
            Assert.Equal("http://store:9000", env["Storage__S3__ServiceUrl"].ToString());
            Assert.Equal("viralforge", env["Storage__S3__AccessKeyId"].ToString());
        }

        // Secrets come from the env file, never from the compose file itself.
        var text = await File.ReadAllTextAsync(Path.Combine(root, "compose.yaml"));
        Assert.DoesNotContain("change-me", text);
        Assert.Contains("${POSTGRES_PASSWORD", text);
        Assert.Contains("${S3_SECRET_KEY", text);
    }
}
