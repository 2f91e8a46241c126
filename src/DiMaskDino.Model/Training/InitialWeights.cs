// Fine-tuning's starting point (issue 15): a checkpoint's weights copied into a model built for another dataset's
// classes. Every tensor must be there with its shape (else the architecture differs and nothing is loaded); the
// class-shaped ones are copied row by row through a ClassMapping.

using TorchSharp;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Training;

public static class InitialWeights
{
    /// <summary>
    /// The state-dict entries with one row per class: the shared class head (used by the encoder output, the DI
    /// selection and every decoder layer) and the denoising label embedding. Sigmoid focal classification has no
    /// no-object row.
    /// </summary>
    public static readonly IReadOnlyList<string> ClassShapedTensors = ["heads.class_embed.weight", "heads.class_embed.bias", "denoising.label_enc.weight"];

    /// <summary>Mismatching tensors named in the error (the count of all of them follows).</summary>
    private const int NamedMismatches = 3;

    /// <summary>
    /// Copies the weights of checkpoint <paramref name="directory"/> into <paramref name="model"/>, whose classes are
    /// <paramref name="mapping"/>'s rows; call before the model moves to its device.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint's tensors do not fit the model (named in the message).</exception>
    public static void Load(string directory, nn.Module model, ClassMapping mapping)
    {
        var path = Path.Combine(directory, Checkpoint.ModelFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{directory} is not a checkpoint: {Checkpoint.ModelFile} is missing", path);
        }

        var source = ReadStateDict(path);
        try
        {
            var target = model.state_dict();
            var mismatches = Mismatches(source, target).ToList();
            if (mismatches.Count > 0)
            {
                throw new InvalidDataException(
                    $"{directory}: the checkpoint's architecture differs from the model's ({mismatches.Count} tensors): " +
                    string.Join("; ", mismatches.Take(NamedMismatches)));
            }

            using var noGrad = no_grad();
            foreach (var (name, tensor) in target)
            {
                if (ClassShapedTensors.Contains(name))
                {
                    foreach (var row in mapping.Rows.Where(r => r.SourceIndex is not null))
                    {
                        tensor[row.Index].copy_(source[name][row.SourceIndex!.Value]);
                    }
                }
                else
                {
                    tensor.copy_(source[name]);
                }
            }
        }
        finally
        {
            foreach (var tensor in source.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>"name: expected [a, b], found [c, d]" for every tensor that does not fit (class rows may differ in count).</summary>
    private static IEnumerable<string> Mismatches(Dictionary<string, Tensor> source, Dictionary<string, Tensor> target)
    {
        foreach (var (name, tensor) in target)
        {
            var expected = tensor.shape;
            if (!source.TryGetValue(name, out var found))
            {
                yield return $"{name}: expected {Shape(expected)}, found none";
            }
            else if (ClassShapedTensors.Contains(name)
                ? !found.shape.Skip(1).SequenceEqual(expected.Skip(1)) || found.dim() != expected.Length
                : !found.shape.SequenceEqual(expected))
            {
                yield return $"{name}: expected {Shape(expected)}, found {Shape(found.shape)}";
            }
        }

        foreach (var (name, found) in source.Where(s => !target.ContainsKey(s.Key)))
        {
            yield return $"{name}: expected none, found {Shape(found.shape)}";
        }
    }

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Reads a file written by <c>Module.save</c>: a 7-bit-encoded count, then (name, tensor) pairs.</summary>
    private static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var count = reader.Read7BitEncodedInt64();
        var tensors = new Dictionary<string, Tensor>((int)count, StringComparer.Ordinal);
        for (long i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            tensors[name] = Tensor.Load(reader);
        }

        return tensors;
    }
}
