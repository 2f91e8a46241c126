using System.Globalization;
using DiMaskDino.Contracts.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelMetadata = DiMaskDino.Contracts.Models.ModelMetadata;

namespace DiMaskDino.Inference.Runtime;

/// <summary>
/// A loaded graph against its <see cref="ModelMetadata"/>: the metadata is parsed by the contract, the graph's inputs
/// and outputs (which only ONNX Runtime sees) are checked here.
/// </summary>
public static class ModelGraph
{
    /// <summary>Reads the metadata of <paramref name="session"/> and checks the graph's inputs and outputs agree with it.</summary>
    /// <param name="modelName">the model file or URI, for error messages</param>
    /// <exception cref="InvalidDataException">a key is missing or malformed, or the graph disagrees</exception>
    public static ModelMetadata Describe(InferenceSession session, string modelName)
    {
        ArgumentNullException.ThrowIfNull(session);
        var metadata = ModelMetadata.Parse(session.ModelMetadata.CustomMetadataMap, modelName);
        Validate(metadata, session.InputMetadata, session.OutputMetadata, modelName);
        return metadata;
    }

    /// <summary>
    /// Checks <c>images</c> [batch, 3, H, W] and the three outputs have the names, types and shapes the metadata implies;
    /// in a size-dynamic graph H, W and the mask size must be symbolic.
    /// </summary>
    internal static void Validate(
        ModelMetadata metadata, IReadOnlyDictionary<string, NodeMetadata> inputs, IReadOnlyDictionary<string, NodeMetadata> outputs, string modelName)
    {
        if (inputs.Count != 1 || !inputs.ContainsKey(ModelMetadata.ImagesInput))
        {
            throw new InvalidDataException($"{modelName}: the graph must have the single input \"{ModelMetadata.ImagesInput}\", it has [{string.Join(", ", inputs.Keys)}]");
        }

        Check(inputs, ModelMetadata.ImagesInput, [3, metadata.InputHeight, metadata.InputWidth], "input");
        Check(outputs, ModelMetadata.LogitsOutput, [metadata.NumQueries, metadata.NumClasses], "output");
        Check(outputs, ModelMetadata.BoxesOutput, [metadata.NumQueries, 4], "output");
        Check(outputs, ModelMetadata.MasksOutput, [metadata.NumQueries, metadata.MaskHeight, metadata.MaskWidth], "output");

        // A null expected size is a symbolic dimension (ORT reports it as -1).
        void Check(IReadOnlyDictionary<string, NodeMetadata> nodes, string name, int?[] expected, string kind)
        {
            if (!nodes.TryGetValue(name, out var node))
            {
                throw new InvalidDataException($"{modelName}: the graph has no {kind} \"{name}\" (it has [{string.Join(", ", nodes.Keys)}])");
            }

            var dims = node.IsTensor ? node.Dimensions : [];
            // Dimension 0 is the dynamic batch (-1); the rest must equal what the metadata implies.
            var agrees = node.IsTensor && node.ElementDataType == TensorElementType.Float
                && dims.Length == expected.Length + 1 && dims[0] <= 0
                && dims.Skip(1).Zip(expected).All(d => d.Second is { } size ? d.First == size : d.First <= 0);
            if (!agrees)
            {
                throw new InvalidDataException(
                    $"{modelName}: {kind} \"{name}\" is {node.ElementDataType} [{string.Join(", ", dims)}], but the metadata implies float32 [batch, {string.Join(", ", expected.Select(e => e?.ToString(CultureInfo.InvariantCulture) ?? ModelMetadata.Values.Dynamic))}]");
            }
        }
    }
}
