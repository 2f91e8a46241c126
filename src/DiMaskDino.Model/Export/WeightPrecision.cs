// How an exported graph stores its weights (model.md §13; issue 4: the committed model stays ≤ 30 MB). Every lossy
// form is a plain initializer followed by ops on constants only (Cast, Mul), which ONNX Runtime's constant folding
// turns back into one float32 initializer when the session loads, so inference runs float32 kernels either way.

namespace DiMaskDino.Model.Export;

/// <summary>Storage of the exported weights. Activations, constants, grids and embeddings are float32 in every case.</summary>
public enum WeightPrecision
{
    /// <summary>Every weight a float32 initializer: the graph computes exactly what the TorchSharp model does.</summary>
    Float32,

    /// <summary>Every weight a float16 initializer followed by Cast → float32 (half the file).</summary>
    Float16,

    /// <summary>
    /// Conv and Linear weight matrices (at least <see cref="Int8Weights.MinimumElements"/> values) as int8, symmetric
    /// per output channel: Cast → float32 → Mul by a float32 scale per channel (about a quarter of the file); the
    /// remaining weights (biases, norms, small matrices) as <see cref="Float16"/>.
    /// </summary>
    Int8,
}

public static class WeightPrecisionNames
{
    /// <summary>The <c>dimaskdino.weights_dtype</c> metadata value: "float32", "float16" or "int8".</summary>
    public static string MetadataValue(this WeightPrecision precision) => precision switch
    {
        WeightPrecision.Float32 => "float32",
        WeightPrecision.Float16 => "float16",
        WeightPrecision.Int8 => "int8",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown weight precision"),
    };
}
