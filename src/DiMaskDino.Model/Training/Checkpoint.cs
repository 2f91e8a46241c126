using System.Text.Json;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Training;

/// <summary>
/// A checkpoint folder: <c>model.bin</c> (TorchSharp state dict), <c>optimizer.bin</c> (AdamW state, when training
/// can resume from it) and <c>state.json</c> (<see cref="CheckpointState"/>). Written into a temporary sibling folder
/// and renamed into place, so a crash never leaves a half-written checkpoint under the final name.
/// </summary>
public static class Checkpoint
{
    public const string ModelFile = "model.bin";
    public const string OptimizerFile = "optimizer.bin";
    public const string StateFile = "state.json";

    public static void Save(string directory, nn.Module model, AdamW? optimizer, CheckpointState state)
    {
        var full = Path.GetFullPath(directory);
        var temporary = full + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(temporary))
        {
            Directory.Delete(temporary, recursive: true);
        }

        Directory.CreateDirectory(temporary);
        model.save(Path.Combine(temporary, ModelFile));
        optimizer?.save_state_dict(Path.Combine(temporary, OptimizerFile));
        File.WriteAllBytes(Path.Combine(temporary, StateFile), JsonSerializer.SerializeToUtf8Bytes(state, CheckpointJsonContext.Default.CheckpointState));
        if (Directory.Exists(full))
        {
            Directory.Delete(full, recursive: true);
        }

        Directory.Move(temporary, full);
    }

    public static CheckpointState ReadState(string directory)
    {
        var path = Path.Combine(directory, StateFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{directory} is not a checkpoint: {StateFile} is missing", path);
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), CheckpointJsonContext.Default.CheckpointState)
                ?? throw new InvalidDataException($"{path}: empty checkpoint state");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Loads weights into <paramref name="model"/> (strict: every parameter and buffer must match).</summary>
    public static void LoadModel(string directory, nn.Module model)
    {
        var path = Path.Combine(directory, ModelFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{directory} is not a checkpoint: {ModelFile} is missing", path);
        }

        model.load(path, strict: true);
    }

    public static void LoadOptimizer(string directory, AdamW optimizer)
    {
        var path = Path.Combine(directory, OptimizerFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{directory} has no optimizer state to resume from", path);
        }

        optimizer.load_state_dict(path);
    }
}
