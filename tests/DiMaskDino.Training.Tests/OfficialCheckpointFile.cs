// Writes torch zip checkpoints as torch.save({"model": OrderedDict, "iteration": 0}) does, with Razorvine.Pickle (the
// library the importer reads them with): data.pkl with _rebuild_tensor_v2 reductions over ("storage", FloatStorage,
// key, "cpu", numel) persistent ids, one data/<key> entry per storage, aliases sharing their canonical's storage.

using System.Collections;
using System.IO.Compression;
using System.Text;
using Razorvine.Pickle;

namespace DiMaskDino.Training.Tests;

/// <summary>One entry to write: its name, shape, and the earlier entry whose storage it shares (or null).</summary>
internal sealed record CheckpointFileEntry(string Name, long[] Shape, string? SameStorageAs = null)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The entries of a keys.tsv file (line 1 title, line 2 header, then key, shape, dtype, same_storage_as).</summary>
    public static IReadOnlyList<CheckpointFileEntry> FromKeysTsv(string path) =>
        [.. File.ReadLines(path).Skip(2).Where(l => l.Length > 0).Select(line =>
        {
            var parts = line.Split('\t');
            var shape = parts[1].Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
            return new CheckpointFileEntry(parts[0], shape, parts.Length > 3 && parts[3].Length > 0 ? parts[3] : null);
        })];
}

internal static class OfficialCheckpointFile
{
    static OfficialCheckpointFile()
    {
        Pickler.registerCustomPickler(typeof(FloatStorageType), new FloatStorageTypePickler());
        Pickler.registerCustomDeconstructor(typeof(OrderedDict), new OrderedDictDeconstructor());
        Pickler.registerCustomDeconstructor(typeof(TensorRebuild), new TensorRebuildDeconstructor());
    }

    /// <param name="path">file to write</param>
    /// <param name="entries">the state_dict entries in file order</param>
    /// <param name="values">float32 values of an entry that owns its storage (null: zeros)</param>
    /// <param name="compression">deflate (as the golden files) or stored (as the released checkpoints)</param>
    public static void Write(string path, IReadOnlyList<CheckpointFileEntry> entries, Func<CheckpointFileEntry, float[]?> values, CompressionLevel compression)
    {
        var folder = Path.GetFileNameWithoutExtension(path);
        using var stream = File.Create(path);
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create);
        var storages = new Dictionary<string, Storage>();
        var model = new OrderedDict();
        foreach (var entry in entries)
        {
            Storage storage;
            if (entry.SameStorageAs is { } canonical)
            {
                storage = storages[canonical];
            }
            else
            {
                storage = new Storage(storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), entry.Count);
                using var data = archive.CreateEntry($"{folder}/data/{storage.Key}", compression).Open();
                var floats = values(entry);
                if (floats is null)
                {
                    var zeros = new byte[1 << 20];
                    for (var left = entry.Count * 4; left > 0; left -= zeros.Length)
                    {
                        data.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
                    }
                }
                else
                {
                    data.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()));
                }
            }

            storages[entry.Name] = storage;
            model.Items.Add([entry.Name, new TensorRebuild(storage, entry.Shape)]);
        }

        using (var pickle = archive.CreateEntry($"{folder}/data.pkl", compression).Open())
        {
            new StoragePickler().dump(new Hashtable { ["model"] = model, ["iteration"] = 0 }, pickle);
        }

        using var version = new StreamWriter(archive.CreateEntry($"{folder}/version", compression).Open());
        version.Write("3\n");
    }

    private sealed record Storage(string Key, long Count);

    /// <summary>collections.OrderedDict, pickled as OrderedDict([(key, value), ...]).</summary>
    private sealed class OrderedDict
    {
        public List<object[]> Items { get; } = [];
    }

    private sealed record TensorRebuild(Storage Storage, long[] Shape);

    private sealed class FloatStorageType;

    private sealed class StoragePickler : Pickler
    {
        protected override bool persistentId(object obj, out object? newpid)
        {
            newpid = obj is Storage s ? new object[] { "storage", new FloatStorageType(), s.Key, "cpu", s.Count } : null;
            return newpid is not null;
        }
    }

    private sealed class FloatStorageTypePickler : IObjectPickler
    {
        public void pickle(object o, Stream outs, Pickler currentPickler)
        {
            outs.WriteByte(Opcodes.GLOBAL);
            var name = Encoding.ASCII.GetBytes("torch\nFloatStorage\n");
            outs.Write(name, 0, name.Length);
        }
    }

    private sealed class OrderedDictDeconstructor : IObjectDeconstructor
    {
        public string get_module() => "collections";

        public string get_name() => "OrderedDict";

        public object[] deconstruct(object obj) =>
            [new ArrayList(((OrderedDict)obj).Items)];
    }

    private sealed class TensorRebuildDeconstructor : IObjectDeconstructor
    {
        public string get_module() => "torch._utils";

        public string get_name() => "_rebuild_tensor_v2";

        public object[] deconstruct(object obj)
        {
            var t = (TensorRebuild)obj;
            var stride = new long[t.Shape.Length];
            for (long i = t.Shape.Length - 1, s = 1; i >= 0; s *= t.Shape[i], i--)
            {
                stride[i] = s;
            }

            return [t.Storage, 0, t.Shape.Cast<object>().ToArray(), stride.Cast<object>().ToArray(), false, new OrderedDict()];
        }
    }
}
