// Reads a PyTorch zip checkpoint (torch.save, format version 3) the way torch.load does: data.pkl through
// Razorvine.Pickle with the storage persistent ids resolved against the zip's data/<key> entries. Stored and deflated
// entries both read; the folder inside the zip is whatever it is. Tensors are described first and read on demand,
// each storage once, so entries that alias one storage share its bytes.

using System.Collections;
using System.IO.Compression;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Import;

public static class TorchCheckpointReader
{
    static TorchCheckpointReader()
    {
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", new TensorReferenceConstructor());
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", new TensorReferenceConstructor());
        Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", new ParameterConstructor());
        Unpickler.registerConstructor("collections", "OrderedDict", new OrderedTableConstructor());
        foreach (var module in new[] { "numpy.core.multiarray", "numpy._core.multiarray" })
        {
            Unpickler.registerConstructor(module, "scalar", new OpaqueConstructor());
            Unpickler.registerConstructor(module, "_reconstruct", new OpaqueConstructor());
        }

        Unpickler.registerConstructor("numpy", "dtype", new OpaqueConstructor());
    }

    /// <summary>
    /// Opens <paramref name="file"/> and describes its state_dict: the "model" entry of a detectron2 checkpoint
    /// (other top-level entries such as trainer or optimizer state are ignored), or a bare state_dict.
    /// </summary>
    /// <exception cref="OfficialCheckpointException">not a torch zip checkpoint, damaged, or no state_dict in it</exception>
    public static TorchCheckpoint Open(string file)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        if (!System.IO.File.Exists(file))
        {
            throw new OfficialCheckpointException(file, "file not found");
        }

        var stream = System.IO.File.OpenRead(file);
        ZipArchive archive;
        try
        {
            Span<byte> signature = stackalloc byte[4];
            if (stream.Read(signature) < 4 || signature[0] != 0x50 || signature[1] != 0x4b || signature[2] != 0x03 || signature[3] != 0x04)
            {
                throw new OfficialCheckpointException(file, "not a zip file (a torch checkpoint saved by torch.save is a zip archive; legacy non-zip checkpoints are not supported)");
            }

            stream.Position = 0;
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (InvalidDataException e)
        {
            stream.Dispose();
            throw new OfficialCheckpointException(file, $"truncated or damaged zip archive ({e.Message})", e);
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        try
        {
            var pickle = archive.Entries.FirstOrDefault(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal))
                ?? throw new OfficialCheckpointException(file, "no data.pkl in the zip: not a torch checkpoint");
            var prefix = pickle.FullName[..^"data.pkl".Length];
            var root = Unpickle(file, pickle);
            var state = StateDict(file, root);
            return new TorchCheckpoint(file, archive, prefix, Describe(file, state));
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    private static object Unpickle(string file, ZipArchiveEntry pickle)
    {
        try
        {
            using var stream = pickle.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            using var unpickler = new StorageUnpickler();
            return unpickler.loads(buffer.ToArray());
        }
        catch (Exception e) when (e is InvalidDataException or IOException or PickleException or InvalidCastException or InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            throw new OfficialCheckpointException(file, $"data.pkl cannot be read ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static IDictionary StateDict(string file, object root)
    {
        if (root is IDictionary top)
        {
            if (top.Contains("model"))
            {
                return top["model"] as IDictionary
                    ?? throw new OfficialCheckpointException(file, "its \"model\" entry is not a state_dict");
            }

            if (top.Count > 0 && top.Values.Cast<object?>().All(v => v is TensorReference))
            {
                return top;
            }

            var keys = string.Join(", ", top.Keys.Cast<object>().Select(k => k.ToString()).Take(10));
            throw new OfficialCheckpointException(file, $"no \"model\" state_dict at the top level (top-level keys: {keys})");
        }

        throw new OfficialCheckpointException(file, $"data.pkl holds a {root?.GetType().Name ?? "null"}, not a checkpoint dictionary");
    }

    private static List<CheckpointEntry> Describe(string file, IDictionary state)
    {
        var keys = state is OrderedTable ordered ? ordered.OrderedKeys : [.. state.Keys.Cast<object>()];
        var entries = new List<CheckpointEntry>(keys.Count);
        foreach (var key in keys)
        {
            if (key is not string name || state[key] is not TensorReference reference)
            {
                throw new OfficialCheckpointException(file, $"state_dict entry {key} is not a tensor");
            }

            var need = reference.Shape.Length == 0 ? reference.Offset + 1
                : reference.Offset + reference.Shape.Zip(reference.Stride, (n, s) => n == 0 ? 0 : (n - 1) * s).Sum() + 1;
            if (reference.Shape.Any(n => n == 0))
            {
                need = 0;
            }

            if (reference.Shape.Length != reference.Stride.Length || need > reference.Storage.Elements)
            {
                throw new OfficialCheckpointException(file, $"{name}: shape [{string.Join(",", reference.Shape)}] does not fit its storage of {reference.Storage.Elements} elements");
            }

            entries.Add(new CheckpointEntry(name, reference.Storage.Key, reference.Shape) { Reference = reference });
        }

        return entries;
    }

    /// <summary>Resolves torch's ("storage", type, key, location, numel) persistent ids to storage references.</summary>
    private sealed class StorageUnpickler : Unpickler
    {
        protected override object persistentLoad(object pid)
        {
            if (pid is not object[] { Length: >= 5 } id || id[0] as string != "storage")
            {
                throw new PickleException("unknown persistent id in data.pkl");
            }

            var type = id[1] is ClassDictConstructor c ? c.name : id[1]?.ToString() ?? "";
            return new StorageReference(id[2].ToString()!, DType(type), Convert.ToInt64(id[4]));
        }

        private static ScalarType DType(string storage) => storage switch
        {
            "FloatStorage" => ScalarType.Float32,
            "DoubleStorage" => ScalarType.Float64,
            "HalfStorage" => ScalarType.Float16,
            "BFloat16Storage" => ScalarType.BFloat16,
            "LongStorage" => ScalarType.Int64,
            "IntStorage" => ScalarType.Int32,
            "ShortStorage" => ScalarType.Int16,
            "CharStorage" => ScalarType.Int8,
            "ByteStorage" => ScalarType.Byte,
            "BoolStorage" => ScalarType.Bool,
            _ => throw new PickleException($"unsupported storage type {storage}"),
        };
    }
}
