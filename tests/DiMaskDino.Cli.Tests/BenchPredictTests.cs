namespace DiMaskDino.Cli.Tests;

/// <summary><c>dimaskdino bench predict</c> on generated images and the tiny model (correctness of the report, not its timings).</summary>
public sealed class BenchPredictTests(TinyModelFile model) : IClassFixture<TinyModelFile>
{
    [Fact]
    public void Bench_predict_reports_pure_and_end_to_end_times_for_every_image()
    {
        var result = CliRunner.Run(
            "bench", "predict", "--model", model.Path, "--count", "5", "--size", "40", "--batch-size", "2", "--runs", "2", "--provider", "cpu");

        Assert.True(result.ExitCode == 0, result.StandardError);
        var lines = result.StandardOutput.TrimEnd().Split('\n');
        Assert.StartsWith("| images | batch | provider | pure model (median of 2) | end-to-end | overhead |", lines[0], StringComparison.Ordinal);
        // 5 images × min(100, 10 queries × 3 classes) detections at the default threshold 0.
        Assert.Matches(@"^\| 5 \| 2 \| Cpu \| \d+\.\d\d s \| \d+\.\d\d s \| -?\d+(\.\d)? % \| \d+\.\d \| \d+\.\d s / \d+\.\d s \| 150 \| \d+ MiB \|$", lines[2]);
        Assert.Equal(2, result.StandardError.Split('\n').Count(l => l.StartsWith("run ", StringComparison.Ordinal)));
    }
}
