// An open torch checkpoint: the state_dict's entries as described by data.pkl, each read on demand from its storage
// entry (each storage once, so aliases share the bytes).

using System.IO.Compression;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Import;

/// <summary>One state_dict entry as the file describes it.</summary>
/// <param name="Name">the state_dict key</param>
/// <param name="Storage">the storage entry it views (aliases share one)</param>
/// <param name="Shape">tensor shape</param>
public sealed record CheckpointEntry(string Name, string Storage, IReadOnlyList<long> Shape)
{
    internal TensorReference Reference { get; init; } = null!;

    public string ShapeText => "[" + string.Join(",", Shape) + "]";
}

/// <summary>An open checkpoint: the "model" state_dict's entries in file order; <see cref="Read"/> loads one.</summary>
public sealed class TorchCheckpoint : IDisposable
{
    private readonly ZipArchive _archive;
    private readonly string _prefix;
    private readonly Dictionary<string, byte[]> _storages = [];

    internal TorchCheckpoint(string file, ZipArchive archive, string prefix, IReadOnlyList<CheckpointEntry> entries)
    {
        File = file;
        _archive = archive;
        _prefix = prefix;
        Entries = entries;
    }

    public string File { get; }

    public IReadOnlyList<CheckpointEntry> Entries { get; }

    /// <summary>The entry's tensor as a new contiguous float32 tensor (the caller disposes it).</summary>
    public Tensor Read(CheckpointEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var reference = entry.Reference;
        var bytes = StorageBytes(reference.Storage);
        using var scope = NewDisposeScope();
        var storage = empty(reference.Storage.Elements, reference.Storage.DType);
        storage.bytes = bytes;
        var view = reference.Shape.Length == 0
            ? storage.narrow(0, reference.Offset, 1).reshape([])
            : storage.as_strided(reference.Shape, reference.Stride, reference.Offset);
        return view.to(float32).contiguous().clone().MoveToOuterDisposeScope();
    }

    /// <summary>Drops the cached storage bytes (tensors already read stay valid).</summary>
    public void ReleaseStorages() => _storages.Clear();

    public void Dispose() => _archive.Dispose();

    private byte[] StorageBytes(StorageReference storage)
    {
        if (_storages.TryGetValue(storage.Key, out var cached))
        {
            return cached;
        }

        var name = _prefix + "data/" + storage.Key;
        var entry = _archive.GetEntry(name) ?? throw new OfficialCheckpointException(File, $"storage entry {name} is missing from the zip");
        var size = checked(storage.Elements * ElementSize(storage.DType));
        if (entry.Length != size)
        {
            throw new OfficialCheckpointException(File, $"storage entry {name} holds {entry.Length} bytes, the tensors need {size}");
        }

        var bytes = new byte[size];
        try
        {
            using var stream = entry.Open();
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new OfficialCheckpointException(File, $"storage entry {name} is damaged or truncated ({e.Message})", e);
        }

        _storages[storage.Key] = bytes;
        return bytes;
    }

    internal static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}
