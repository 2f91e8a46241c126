// Imports the ImageNet-pretrained CNTK "ResNet18" that NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18
// 0.23.1 (MIT, © .NET Foundation and Contributors) ships as ONNX, into our torchvision-layout ResNet. The file is
// read at run time from the output folder (the package's props copy it there); it is never committed or
// redistributed. Findings behind this code: shared/design/resnet18-weights.md.

using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Onnx;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Backbone;

/// <summary>
/// Reads ResNet18.onnx (a CNTK export: basic blocks [2, 2, 2, 3], unfolded BatchNorm, initializers in
/// <c>float_data</c>) into torchvision-named tensors and loads them into a <see cref="ResNet"/> built with
/// <see cref="ResNetConfig.CntkResNet18"/>. Input convention of these weights: <see cref="PixelNormalization.CntkImageNet"/>.
/// </summary>
public static class ResNetWeightsImporter
{
    /// <summary>Where the package's props put the file, relative to the application's base directory.</summary>
    public const string CntkResNet18RelativePath = "DnnImageModels/ResNet18Onnx/ResNet18.onnx";

    /// <summary>sha256 of ResNet18.onnx in Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1.</summary>
    public const string CntkResNet18Sha256 = "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f";

    private const string Provenance =
        "Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, " + CntkResNet18RelativePath + " (sha256 " + CntkResNet18Sha256 +
        "), exported from CNTK ResNet18_ImageNet_CNTK; MIT, © .NET Foundation and Contributors";

    public static string DefaultCntkResNet18Path => Path.Combine(AppContext.BaseDirectory, CntkResNet18RelativePath);

    /// <summary>
    /// Reads and checks the pinned file and maps its 110 initializers onto torchvision state_dict names by walking
    /// the graph (each Add's main branch BN ← Conv ← ReLU ← BN ← Conv and its shortcut; stage from channel count,
    /// block from Add order). Throws <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/>.
    /// </summary>
    /// <param name="path">ResNet18.onnx; default <see cref="DefaultCntkResNet18Path"/></param>
    public static async Task<PretrainedWeights> ReadCntkResNet18Async(string? path = null, CancellationToken cancellationToken = default)
    {
        path ??= DefaultCntkResNet18Path;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Pretrained backbone not found at '{path}'. It comes from NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 " +
                $"0.23.1, whose build props copy it to '{CntkResNet18RelativePath}' in the output of every project that " +
                "references DiMaskDino.Model.", path);
        }

        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha256 != CntkResNet18Sha256)
        {
            throw new InvalidDataException(
                $"'{path}' has sha256 {sha256}, expected {CntkResNet18Sha256} (Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1). " +
                "Only that file's layout and provenance have been checked.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var graph = ModelProto.Parser.ParseFrom(bytes).Graph;
        return new PretrainedWeights(new GraphMapper(graph, path).Map(), Provenance);
    }

    /// <summary>
    /// Copies <paramref name="weights"/> into <paramref name="model"/>'s conv weights and frozen-BN buffers. Every
    /// state_dict entry of the model must be supplied with the same shape, and every supplied tensor must be used;
    /// nothing is copied unless all of that holds.
    /// </summary>
    public static void Load(ResNet model, PretrainedWeights weights)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weights);

        var state = model.state_dict();
        var missing = state.Keys.Where(k => !weights.Tensors.ContainsKey(k)).ToList();
        var unexpected = weights.Tensors.Keys.Where(k => !state.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            throw new InvalidDataException(
                $"Weights from {weights.Source} do not fit a ResNet {model.Config}: " +
                $"missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}].");
        }

        foreach (var (name, target) in state)
        {
            long[] shape = weights.Tensors[name].Shape;
            if (!target.shape.SequenceEqual(shape))
            {
                throw new InvalidDataException(
                    $"Shape mismatch for '{name}': model [{string.Join(", ", target.shape)}], weights [{string.Join(", ", shape)}].");
            }
        }

        using var noGrad = no_grad();
        foreach (var (name, target) in state)
        {
            var source = weights.Tensors[name];
            using var values = tensor(source.Values, source.Shape);
            target.copy_(values);
        }
    }

    /// <summary>Walks the CNTK graph; see <see cref="ReadCntkResNet18Async"/>.</summary>
    private sealed class GraphMapper(GraphProto graph, string path)
    {
        private readonly Dictionary<string, NodeProto> _producers = graph.Node
            .SelectMany(n => n.Output.Select(o => (Output: o, Node: n)))
            .ToDictionary(p => p.Output, p => p.Node);

        private readonly Dictionary<string, TensorProto> _initializers = graph.Initializer.ToDictionary(t => t.Name);
        private readonly Dictionary<string, WeightArray> _mapped = [];
        private readonly HashSet<string> _consumed = [];

        public Dictionary<string, WeightArray> Map()
        {
            // Stem: MaxPool ← ReLU ← BN ← Conv.
            var maxPool = ExactlyOne(graph.Node.Where(n => n.OpType == "MaxPool"), "MaxPool");
            var stemRelu = Expect(Producer(maxPool.Input[0]), "Relu");
            TakeConvBn(Expect(Producer(stemRelu.Input[0]), "BatchNormalization"), "conv1", "bn1");

            var blocksSoFar = new int[5];
            int lastStage = 1;
            foreach (var add in graph.Node.Where(n => n.OpType == "Add"))
            {
                var (main, shortcut) = SplitAdd(add);

                // Main branch: bn2 ← conv2 ← ReLU ← bn1 ← conv1.
                var bn2 = Expect(main, "BatchNormalization");
                int stage = StageOf(Initializer(bn2.Input[1]).Dims[0]);
                if (stage < lastStage)
                {
                    throw Invalid($"block at node '{add.Name}' goes back from layer{lastStage} to layer{stage}");
                }

                lastStage = stage;
                string prefix = $"layer{stage}.{blocksSoFar[stage]++}";
                var conv2 = TakeConvBn(bn2, $"{prefix}.conv2", $"{prefix}.bn2");
                var relu = Expect(Producer(conv2.Input[0]), "Relu");
                TakeConvBn(Expect(Producer(relu.Input[0]), "BatchNormalization"), $"{prefix}.conv1", $"{prefix}.bn1");

                if (shortcut is { OpType: "BatchNormalization" })
                {
                    TakeConvBn(shortcut, $"{prefix}.downsample.0", $"{prefix}.downsample.1");
                }
            }

            var unused = _initializers.Keys.Where(k => !_consumed.Contains(k)).ToList();
            if (unused.Count > 0)
            {
                throw Invalid($"initializers not matched to any layer: {string.Join(", ", unused)}");
            }

            return _mapped;
        }

        // The main branch ends in BN after a 3×3 conv; a projection shortcut ends in BN after a 1×1 conv; an
        // identity shortcut is an earlier ReLU or MaxPool output.
        private (NodeProto Main, NodeProto? Shortcut) SplitAdd(NodeProto add)
        {
            if (add.Input.Count != 2)
            {
                throw Invalid($"Add node '{add.Name}' has {add.Input.Count} inputs");
            }

            var first = Producer(add.Input[0]);
            var second = Producer(add.Input[1]);
            return IsProjection(first) || second is { OpType: "BatchNormalization" } && !IsProjection(second)
                ? (second, first)
                : (first, second);
        }

        private bool IsProjection(NodeProto node) =>
            node.OpType == "BatchNormalization"
            && Producer(node.Input[0]) is { OpType: "Conv" } conv
            && Initializer(conv.Input[1]).Dims is [_, _, 1, 1];

        private int StageOf(long channels) => channels switch
        {
            64 => 1,
            128 => 2,
            256 => 3,
            512 => 4,
            _ => throw Invalid($"a block with {channels} channels does not belong to a basic-block ResNet"),
        };

        // conv ← bn: the conv weight and the four BN inputs (X, scale, B, mean, var in ONNX order).
        private NodeProto TakeConvBn(NodeProto bn, string convKey, string bnKey)
        {
            var conv = Expect(Producer(bn.Input[0]), "Conv");
            if (conv.Input.Count != 2 || bn.Input.Count != 5)
            {
                throw Invalid($"expected a bias-free Conv and a 5-input BatchNormalization at '{conv.Name}'/'{bn.Name}'");
            }

            Take(conv.Input[1], $"{convKey}.weight");
            Take(bn.Input[1], $"{bnKey}.weight");
            Take(bn.Input[2], $"{bnKey}.bias");
            Take(bn.Input[3], $"{bnKey}.running_mean");
            Take(bn.Input[4], $"{bnKey}.running_var");
            return conv;
        }

        private void Take(string initializerName, string key)
        {
            if (!_consumed.Add(initializerName))
            {
                throw Invalid($"initializer '{initializerName}' reached twice (second time as '{key}')");
            }

            _mapped.Add(key, ToWeightArray(Initializer(initializerName)));
        }

        private static WeightArray ToWeightArray(TensorProto t)
        {
            if (t.DataType != (int)TensorProto.Types.DataType.Float)
            {
                throw new InvalidDataException($"Initializer '{t.Name}' is not float32 (data type {t.DataType}).");
            }

            // The CNTK export uses float_data; raw_data (little-endian) is accepted too.
            float[] values = t.FloatData.Count > 0
                ? [.. t.FloatData]
                : MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
            return new WeightArray(values, [.. t.Dims]);
        }

        private TensorProto Initializer(string name) =>
            _initializers.TryGetValue(name, out var t) ? t : throw Invalid($"'{name}' is not an initializer");

        private NodeProto Producer(string output) =>
            _producers.TryGetValue(output, out var node) ? node : throw Invalid($"no node produces '{output}'");

        private NodeProto Expect(NodeProto node, string opType) =>
            node.OpType == opType ? node : throw Invalid($"expected {opType} at node '{node.Name}', found {node.OpType}");

        private NodeProto ExactlyOne(IEnumerable<NodeProto> nodes, string opType)
        {
            var list = nodes.ToList();
            return list.Count == 1 ? list[0] : throw Invalid($"expected one {opType} node, found {list.Count}");
        }

        private InvalidDataException Invalid(string problem) =>
            new($"'{path}' is not the expected CNTK basic-block ResNet: {problem}.");
    }
}
