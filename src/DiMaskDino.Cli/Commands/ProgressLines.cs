using System.Diagnostics;
using System.Globalization;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// Progress for logs, when standard error is not a terminal (containers, CI, pipes): one line every few seconds,
/// <c>progress: 120/1,000 images (12.0%), 8.3 images/s, 2 failed, ETA 1m46s</c>. The interval is 5 s, or
/// <c>DIMASKDINO_PROGRESS_SECONDS</c> when set.
/// </summary>
internal static class ProgressLines
{
    public const string IntervalVariable = "DIMASKDINO_PROGRESS_SECONDS";

    public static TimeSpan Interval =>
        double.TryParse(Environment.GetEnvironmentVariable(IntervalVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(5);

    /// <inheritdoc cref="RunAsync{T}"/>
    public static Task RunAsync(Task work, Func<(long Done, long Total, long Failed)> snapshot) => RunAsync(Completed(work), snapshot);

    /// <summary>Awaits <paramref name="work"/>, writing a line per interval from <paramref name="snapshot"/> (nothing while the total is still 0).</summary>
    public static async Task<T> RunAsync<T>(Task<T> work, Func<(long Done, long Total, long Failed)> snapshot)
    {
        var interval = Interval;
        var clock = Stopwatch.StartNew();
        (long Done, TimeSpan At)? start = null;
        while (!work.IsCompleted)
        {
            await Task.WhenAny(work, Task.Delay(interval));
            var (done, total, failed) = snapshot();
            if (work.IsCompleted || total == 0)
            {
                continue;
            }

            // The rate counts from the first line with a total: images done before (a resumed job) are not this run's speed.
            start ??= (done, clock.Elapsed);
            var seconds = (clock.Elapsed - start.Value.At).TotalSeconds;
            var rate = seconds > 0 ? (done - start.Value.Done) / seconds : 0;
            var eta = rate > 0 ? Format(TimeSpan.FromSeconds((total - done) / rate)) : "unknown";
            await Console.Error.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"progress: {done:N0}/{total:N0} images ({100.0 * done / total:F1}%), {rate:F1} images/s, {failed:N0} failed, ETA {eta}"));
        }

        return await work;
    }

    private static async Task<bool> Completed(Task work)
    {
        await work;
        return true;
    }

    private static string Format(TimeSpan time) =>
        time.TotalHours >= 1 ? $"{(int)time.TotalHours}h{time.Minutes:D2}m" : time.TotalMinutes >= 1 ? $"{time.Minutes}m{time.Seconds:D2}s" : $"{time.Seconds}s";
}
