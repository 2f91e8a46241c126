using System.Diagnostics;
using System.Net;
using System.Text;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Functions.Tests.EndToEnd;

/// <summary>
/// One <c>DiMaskDino.Worker</c> process, started from its build output with its settings as environment variables (as
/// the container gets them), its output kept for failure messages. Stopped with SIGTERM; killed if it does not stop.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(Process process, int healthPort)
    {
        _process = process;
        HealthPort = healthPort;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int HealthPort { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static WorkerProcess Start(IReadOnlyDictionary<string, string> settings)
    {
        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(WorkerBuild.Assembly);
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        start.Environment["Worker__HealthPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new WorkerProcess(Process.Start(start)!, port);
    }

    /// <summary>
    /// Starts a worker and waits until it is ready. The health port is chosen free but bound only by the worker, so
    /// another process (the test assemblies run in parallel) can take it in between: that start is retried on a new port.
    /// </summary>
    public static async Task<WorkerProcess> StartReadyAsync(IReadOnlyDictionary<string, string> settings, TimeSpan timeout)
    {
        for (var attempt = 1; ; attempt++)
        {
            var worker = Start(settings);
            try
            {
                await worker.WaitReadyAsync(timeout);
                return worker;
            }
            catch (InvalidOperationException) when (attempt < 3 && worker.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await worker.DisposeAsync();
            }
            catch
            {
                await worker.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Waits until <c>/readyz</c> answers 200 (the queues are reachable).</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the worker exited with code {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await http.GetAsync(new Uri($"http://127.0.0.1:{HealthPort}/readyz"))).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // one probe outlived its 2 s (a loaded machine); the overall deadline decides
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the worker was not ready within {timeout}:\n{Output}");
    }

    /// <summary>SIGTERM, as the container runtime stops it; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
