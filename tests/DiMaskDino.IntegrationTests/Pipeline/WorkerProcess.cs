using System.Collections.Concurrent;
using System.Diagnostics;
using DiMaskDino.TestSupport;

namespace DiMaskDino.IntegrationTests.Pipeline;

/// <summary>
/// One <c>DiMaskDino.Worker</c> process, started from its build output (<c>artifacts/bin/DiMaskDino.Worker/</c>) with its
/// settings as environment variables, as its container gets them. Its log (one line per entry, standard output and
/// error together) can be awaited line by line. The worker runs until it is killed: tests stop it with SIGKILL.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private WorkerProcess(Process process) => _process = process;

    /// <summary>The log so far.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts a worker with <paramref name="settings"/> (configuration keys in environment form, <c>Pipeline__ShardQueue</c>).</summary>
    public static WorkerProcess Start(IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(WorkerBuild.Assembly);
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Waits for the first log line that satisfies <paramref name="match"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (_lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            if (_process.HasExited && _lineArrived.CurrentCount == 0)
            {
                throw new InvalidOperationException($"the worker exited ({_process.ExitCode}) before logging the expected line:\n{Log()}");
            }

            try
            {
                await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no matching worker log line within {timeout}:\n{Log()}");
            }
        }
    }

    /// <summary>SIGKILL, the whole process tree, no chance to clean up.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>The last lines of the log, for failure messages.</summary>
    public string Log(int last = 60) => string.Join('\n', _lines.TakeLast(last));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
        _lineArrived.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
            _lineArrived.Release();
        }
    }
}
