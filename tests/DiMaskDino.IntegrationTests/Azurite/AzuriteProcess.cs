using System.Diagnostics;
using System.Text;
using DiMaskDino.TestSupport;

namespace DiMaskDino.IntegrationTests.Azurite;

/// <summary>
/// One Azurite service (<c>azurite-blob</c> or <c>azurite-queue</c>) on 127.0.0.1 and a free port, in memory (or, for
/// a service that is stopped and started again, a given port and data folder). The node process loads
/// <c>parent-watchdog.js</c>, which ends it when this test process is gone, and <see cref="Dispose"/> kills its process tree.
/// </summary>
internal sealed class AzuriteProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AzuriteProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <param name="package">the installed azurite package folder</param>
    /// <param name="service">"blob" or "queue"</param>
    /// <param name="port">the port to listen on (null: a free one)</param>
    /// <param name="location">
    /// the data folder, kept across restarts (null: in memory). Azurite saves its metadata every 5 seconds and when it is
    /// stopped with <see cref="StopAsync"/>, so only a graceful stop keeps everything it acknowledged.
    /// </param>
    public static async Task<AzuriteProcess> StartAsync(
        string package, string service, string workspace, CancellationToken cancellationToken, int? port = null, string? location = null)
    {
        // A port found free can be taken before Azurite binds it; then Azurite exits and we try another (or, for a
        // fixed port, the same one again: a restarted service's old socket may still be closing).
        for (var attempt = 1; ; attempt++)
        {
            var azurite = Start(package, service, port ?? LoopbackPorts.Free(), workspace, location);
            try
            {
                await azurite.WaitUntilAnsweringAsync(cancellationToken);
                return azurite;
            }
            catch (AzuriteExitedException) when (attempt < 3)
            {
                azurite.Dispose();
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
            catch
            {
                azurite.Dispose();
                throw;
            }
        }
    }

    /// <summary>SIGTERM, as a service is stopped: Azurite closes its server and saves its metadata; killed if it takes longer than <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var terminate = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await terminate.WaitForExitAsync();
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Azurite on port {Port} did not stop within {timeout} of SIGTERM:\n{Output()}");
            }
        }

        Dispose();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill: nothing left to stop.
        }

        _process.Dispose();
    }

    private static AzuriteProcess Start(string package, string service, int port, string workspace, string? location)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workspace,
        };
        start.Environment["AZURITE_PARENT_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] persistence = location is null ? ["--inMemoryPersistence", "--extentMemoryLimit", "512"] : ["--location", location];
        foreach (var argument in new[]
        {
            "--require", Path.Combine(AppContext.BaseDirectory, "Azurite", "parent-watchdog.js"),
            AzuriteInstaller.ScriptOf(package, $"azurite-{service}"),
            $"--{service}Host", "127.0.0.1",
            $"--{service}Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--skipApiVersionCheck",
            "--disableProductStyleUrl",
            "--disableTelemetry",
            "--silent",
            "--loose",
        }.Concat(persistence))
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"the integration tests run Azurite with Node.js, which was not found on PATH ({e.Message}); install Node.js 20+ and npm, e.g. `apt-get install nodejs npm`",
                e);
        }

        var azurite = new AzuriteProcess(process, port);
        process.OutputDataReceived += (_, e) => azurite.Append(e.Data);
        process.ErrorDataReceived += (_, e) => azurite.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return azurite;
    }

    private async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new AzuriteExitedException($"Azurite exited with code {_process.ExitCode} before answering on port {Port}:\n{Output()}");
            }

            try
            {
                // Any answer that Azurite signs (even "403, no credentials") proves the port is its own.
                using var response = await Probe.GetAsync(new Uri($"http://127.0.0.1:{Port}/devstoreaccount1"), cancellationToken);
                if (response.Headers.Server.Any(s => s.Product?.Name.StartsWith("Azurite", StringComparison.Ordinal) == true))
                {
                    return;
                }

                throw new InvalidOperationException($"port {Port} answers, but not as Azurite (Server: {response.Headers.Server})");
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new TimeoutException($"Azurite did not answer on port {Port} within {StartTimeout}:\n{Output()}", e);
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private sealed class AzuriteExitedException(string message) : Exception(message);
}
