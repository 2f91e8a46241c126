using DiMaskDino.Model;
using DiMaskDino.Model.Training;
using DiMaskDino.TestSupport;
using DiMaskDino.Training.Synthetic;
using static TorchSharp.torch;

namespace DiMaskDino.Training.Tests;

/// <summary>
/// Resume is exact (issue 15): a run stopped mid-epoch and resumed by a fresh Trainer ends with the same weights, bit for
/// bit, as the same run uninterrupted — data order, augmentation, denoising noise and optimizer state included.
/// </summary>
[Collection(TorchProcessState.Name)]
public sealed class ExactResumeTests
{
    private static readonly ModelOptions Small = TrainerTests.Small;

    // One thread keeps every reduction order fixed.

    private static readonly TrainingOptions OneThread = new() { Epochs = 2, BatchSize = 1, CanvasSize = 96, Threads = 1, LogEvery = 1 };

    internal static string Dataset(TemporaryDirectory folder, int count = 4)
    {
        SyntheticDatasetWriter.Write(new SyntheticDatasetOptions { Count = count, Seed = 23, Size = 96, }, folder.File("data"));
        return folder.File("data");
    }

    [Fact]
    public async Task A_run_stopped_mid_epoch_and_resumed_by_a_new_trainer_ends_bit_identical()
    {
        using var folder = new TemporaryDirectory();
        var train = Dataset(folder);
        var uninterrupted = await new Trainer(Small, OneThread).RunAsync(new TrainingRun(train, null, folder.File("whole")));

        var stopped = new TrainingRun(train, null, folder.File("stopped"));
        using (var cancel = new CancellationTokenSource())
        {
            var progress = new SynchronousProgress(p =>
            {
                if (p.Iteration == 3)
                {
                    cancel.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new Trainer(Small, OneThread).RunAsync(stopped, progress, cancel.Token));
        }

        var interrupted = Checkpoint.ReadState(folder.File("stopped", Trainer.CheckpointsFolder, Trainer.LastCheckpointName));
        Assert.Equal(3, interrupted.Iteration);                         // mid-epoch: 4 images per epoch, batch 1
        Assert.NotNull(interrupted.Random);
        var resumed = await new Trainer(Small, OneThread).RunAsync(stopped with { Resume = true });

        Assert.Equal(uninterrupted.Iterations, resumed.Iterations);
        Assert.Equal(8, resumed.Iterations);
        AssertSameWeights(uninterrupted.LastCheckpoint, resumed.LastCheckpoint);
        Assert.Equal(Checkpoint.ReadState(uninterrupted.LastCheckpoint).Random, Checkpoint.ReadState(resumed.LastCheckpoint).Random);
    }

    [Fact]
    public void A_training_process_killed_after_a_checkpoint_resumes_to_the_uninterrupted_result()
    {
        using var folder = new TemporaryDirectory();
        var train = Dataset(folder);
        string[] arguments = ["train", "--data", train, "--canvas", "96", "--batch", "1", "--epochs", "3", "--threads", "1"];
        var whole = TrainRunner.Run([.. arguments, "--out", folder.File("whole")]);
        Assert.True(whole.ExitCode == 0, whole.StandardError);

        var last = folder.File("killed", Trainer.CheckpointsFolder, Trainer.LastCheckpointName);
        KillAfter(() => File.Exists(Path.Combine(last, Checkpoint.StateFile)), [.. arguments, "--out", folder.File("killed")]);
        var killedAt = Checkpoint.ReadState(last);
        Assert.True(killedAt.Iteration < killedAt.TotalIterations, "the process finished before it was killed");

        var resumed = TrainRunner.Run([.. arguments, "--out", folder.File("killed"), "--resume"]);

        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        var expected = folder.File("whole", Trainer.CheckpointsFolder, Trainer.LastCheckpointName);
        Assert.Equal(Checkpoint.ReadState(expected).Iteration, Checkpoint.ReadState(last).Iteration);
        AssertSameWeights(expected, last);
    }

    /// <summary>Starts <c>dimaskdino-train</c> and kills it (SIGKILL) as soon as <paramref name="ready"/> holds.</summary>
    private static void KillAfter(Func<bool> ready, string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dimaskdino-train.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (!ready() && !process.HasExited && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        process.Kill();
        process.WaitForExit();
    }

    /// <summary>Every parameter and buffer of the two checkpoints equal bit for bit.</summary>
    internal static void AssertSameWeights(string expected, string actual)
    {
        using var a = Load(expected);
        using var b = Load(actual);
        var other = b.state_dict();
        var differing = a.state_dict().Where(e => !Same(e.Value, other[e.Key])).Select(e => e.Key).ToList();
        Assert.True(differing.Count == 0, $"{differing.Count} tensors differ, first {string.Join(", ", differing.Take(3))}");
    }

    /// <summary>Same shape and every element equal.</summary>
    internal static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    internal static DiMaskDinoModel Load(string checkpoint)
    {
        var model = DiMaskDinoBuilder.Build(Checkpoint.ReadState(checkpoint).ToModelOptions());
        Checkpoint.LoadModel(checkpoint, model);
        return model;
    }
}

/// <summary>Reports on the training thread, so cancellation happens at a known iteration.</summary>
internal sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
