using System.Diagnostics;
using System.Text;
using DiMaskDino.TestSupport;

namespace DiMaskDino.IntegrationTests.Azurite;

/// <summary>
/// One Azurite service (<c>azurite-blob</c> or <c>azurite-queue</c>) on 127.0.0.1 and a free port, in memory. The node
/// process loads <c>parent-watchdog.js</c>, which ends it when this test process is gone, and <see cref="Dispose"/>
/// kills its process tree.
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
    public static async Task<AzuriteProcess> StartAsync(string package, string service, string workspace, CancellationToken cancellationToken)
    {
        // A port found free can be taken before Azurite binds it; then Azurite exits and we try another.
        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackPorts.Free();
            var azurite = Start(package, service, port, workspace);
            try
            {
                await azurite.WaitUntilAnsweringAsync(cancellationToken);
                return azurite;
            }
            catch (AzuriteExitedException) when (attempt < 3)
            {
                azurite.Dispose();
            }
            catch
            {
                azurite.Dispose();
                throw;
            }
        }
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

    private static AzuriteProcess Start(string package, string service, int port, string workspace)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workspace,
        };
        start.Environment["AZURITE_PARENT_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var argument in new[]
        {
            "--require", Path.Combine(AppContext.BaseDirectory, "Azurite", "parent-watchdog.js"),
            AzuriteInstaller.ScriptOf(package, $"azurite-{service}"),
            $"--{service}Host", "127.0.0.1",
            $"--{service}Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--inMemoryPersistence",
            "--extentMemoryLimit", "512",
            "--skipApiVersionCheck",
            "--disableProductStyleUrl",
            "--disableTelemetry",
            "--silent",
            "--loose",
        })
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
