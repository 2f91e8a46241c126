using System.Diagnostics;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Processing;
using Spectre.Console;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// The label command's live progress on standard error: a bar with images done / total, images per second, failures
/// and the estimated time left. Draws only on an interactive terminal; otherwise (logs, pipes) it writes a line every
/// few seconds (<see cref="ProgressLines"/>).
/// </summary>
internal sealed class LabelProgress : IPipelineObserver
{
    private static readonly IAnsiConsole Error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
    private readonly Stopwatch _clock = new();
    private long _total;
    private long _done;
    private long _failed;
    private long _doneAtStart;

    public static bool Interactive => Error.Profile.Capabilities.Interactive;

    /// <summary>
    /// Writes one line to standard error: on a terminal through the console that draws the bar, which puts the line
    /// above the bar and redraws it, so warnings never tear the bar; otherwise plainly, one whole line per call.
    /// </summary>
    public static void WriteLine(string line)
    {
        if (Interactive)
        {
            Error.WriteLine(line);
        }
        else
        {
            Console.Error.WriteLine(line);
        }
    }

    public long ImagesDone => Interlocked.Read(ref _done);

    public long ImagesFailed => Interlocked.Read(ref _failed);

    public void JobStarted(JobRecord job, int shardsAlreadyFinished)
    {
        Interlocked.Exchange(ref _total, job.ImagesTotal);
        var already = Math.Min(job.ImagesTotal, (long)shardsAlreadyFinished * job.Request.ShardSize);
        Interlocked.Exchange(ref _done, already);
        _doneAtStart = already;
        _clock.Restart();
    }

    public void ImageFinished(string jobId, int shard, string name, string? failureReason)
    {
        Interlocked.Increment(ref _done);
        if (failureReason is not null)
        {
            Interlocked.Increment(ref _failed);
        }
    }

    /// <summary>Runs <paramref name="work"/> under the progress bar (or plainly when not interactive).</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        if (!Interactive)
        {
            return await ProgressLines.RunAsync(work(), () => (Interlocked.Read(ref _done), Interlocked.Read(ref _total), Interlocked.Read(ref _failed)));
        }

        return await Error.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("planning", maxValue: 1);
                var running = work();
                while (!running.IsCompleted)
                {
                    Update(task);
                    await Task.WhenAny(running, Task.Delay(250));
                }

                Update(task);
                if (running.IsCompletedSuccessfully)
                {
                    task.Value = task.MaxValue;
                }

                return await running;
            });
    }

    private void Update(ProgressTask task)
    {
        var total = Interlocked.Read(ref _total);
        var done = Interlocked.Read(ref _done);
        if (total == 0)
        {
            return;
        }

        task.MaxValue = total;
        task.Value = Math.Min(done, total);
        var seconds = _clock.Elapsed.TotalSeconds;
        var rate = seconds > 0 ? (done - _doneAtStart) / seconds : 0;
        task.Description = $"{done:N0}/{total:N0} images · {rate:N1} img/s · {Interlocked.Read(ref _failed):N0} failed";
    }
}
