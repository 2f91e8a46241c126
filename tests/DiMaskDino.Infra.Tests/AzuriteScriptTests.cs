using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Infra.Tests;

/// <summary>infra/local: start Azurite on loopback with the storage layout, re-run safely, stop it.</summary>
[Trait("Category", "Integration")]
public sealed partial class AzuriteScriptTests
{
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly string Local = Path.Combine(SharedFiles.RepositoryRoot, "infra", "local");

    [Fact]
    public async Task Start_creates_the_layout_a_second_start_keeps_it_and_stop_ends_azurite()
    {
        using var state = new TemporaryDirectory("dimaskdino-azurite-");
        var (blobPort, queuePort, tablePort) = (LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free());
        var environment = new Dictionary<string, string?>
        {
            ["AZURITE_STATE_DIR"] = state.Path,
            ["AZURITE_BLOB_PORT"] = blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AZURITE_QUEUE_PORT"] = queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AZURITE_TABLE_PORT"] = tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        try
        {
            // The first run may install the npm package (tens of seconds, once per clone).
            var first = await CommandLine.RunAsync("bash", [Path.Combine(Local, "azurite-start.sh")], Local, environment,
                TimeSpan.FromMinutes(5));
            Assert.True(first.ExitCode == 0, first.Describe());
            Assert.Contains($"BlobEndpoint=http://127.0.0.1:{blobPort}/{Account}", first.StandardOutput);
            Assert.Contains("Pipeline__QueueKind=StorageQueue", first.StandardOutput);

            using var http = new HttpClient();
            Assert.Equal(["datasets", "images", "jobs", "labels", "models", "reports"],
                (await ListAsync(http, $"http://127.0.0.1:{blobPort}/{Account}", "Container")).Order());
            Assert.Equal(["finalize", "finalize-poison", "shards", "shards-poison"],
                (await ListAsync(http, $"http://127.0.0.1:{queuePort}/{Account}", "Queue")).Order());

            var second = await CommandLine.RunAsync("bash", [Path.Combine(Local, "azurite-start.sh")], Local, environment);
            Assert.True(second.ExitCode == 0, second.Describe());
            Assert.Contains("azurite already running", second.StandardError);
            Assert.Equal(10, KeptLine().Matches(second.StandardError).Count);
            Assert.DoesNotContain("created", second.StandardError);
        }
        finally
        {
            var stop = await CommandLine.RunAsync("bash", [Path.Combine(Local, "azurite-stop.sh"), "--clean"], Local, environment);
            Assert.True(stop.ExitCode == 0, stop.Describe());
            Assert.Contains("azurite stopped", stop.StandardError);
        }

        Assert.False(File.Exists(Path.Combine(state.Path, "azurite.pid")));
        Assert.False(Directory.Exists(Path.Combine(state.Path, "data")));
        using var client = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, blobPort));
    }

    [Fact]
    public async Task Start_rejects_a_port_that_is_not_a_number()
    {
        using var state = new TemporaryDirectory("dimaskdino-azurite-");
        var result = await CommandLine.RunAsync("bash", [Path.Combine(Local, "azurite-start.sh")], Local,
            new Dictionary<string, string?> { ["AZURITE_STATE_DIR"] = state.Path, ["AZURITE_BLOB_PORT"] = "blob" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: port 'blob' is not a TCP port number", result.StandardError);
    }

    /// <summary>Lists containers or queues with a SharedKey-signed GET (the emulator's published dev key).</summary>
    private static async Task<List<string>> ListAsync(HttpClient http, string endpoint, string element)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{endpoint}?comp=list");
        var date = DateTime.UtcNow.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        const string version = "2021-08-06";
        request.Headers.Add("x-ms-date", date);
        request.Headers.Add("x-ms-version", version);
        var path = new Uri(endpoint).AbsolutePath;
        var stringToSign = "GET" + new string('\n', 12) + $"x-ms-date:{date}\nx-ms-version:{version}\n/{Account}{path}\ncomp:list";
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(Key), Encoding.UTF8.GetBytes(stringToSign)));
        request.Headers.TryAddWithoutValidation("Authorization", $"SharedKey {Account}:{signature}");

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{endpoint}: {(int)response.StatusCode} {body}");
        return XDocument.Parse(body).Descendants(element).Select(node => (string)node.Element("Name")!).ToList();
    }

    [GeneratedRegex(@"^kept (container|queue) ", RegexOptions.Multiline)]
    private static partial Regex KeptLine();
}
