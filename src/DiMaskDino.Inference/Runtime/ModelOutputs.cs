using DiMaskDino.Contracts.Models;
using Microsoft.ML.OnnxRuntime;
using ModelMetadata = DiMaskDino.Contracts.Models.ModelMetadata;

namespace DiMaskDino.Inference.Runtime;

/// <summary>
/// The outputs of one <see cref="ModelSession.Run"/>, backed by ORT's native buffers: the spans stay valid until the
/// instance is disposed. Not thread-safe to dispose while another thread reads it.
/// </summary>
public sealed class ModelOutputs : IDisposable
{
    private readonly IDisposableReadOnlyCollection<OrtValue> _values;
    private bool _disposed;

    internal ModelOutputs(IDisposableReadOnlyCollection<OrtValue> values, int batch, int queries, int classes, int maskHeight, int maskWidth)
    {
        _values = values;
        LogitsShape = [batch, queries, classes];
        BoxesShape = [batch, queries, 4];
        MasksShape = [batch, queries, maskHeight, maskWidth];
        try
        {
            Check(0, LogitsShape);
            Check(1, BoxesShape);
            Check(2, MasksShape);
        }
        catch
        {
            _values.Dispose();
            throw;
        }
    }

    public int Batch => LogitsShape[0];

    /// <summary>[batch, Q, C]</summary>
    public IReadOnlyList<int> LogitsShape { get; }

    /// <summary>[batch, Q, 4]</summary>
    public IReadOnlyList<int> BoxesShape { get; }

    /// <summary>[batch, Q, H/4, W/4]</summary>
    public IReadOnlyList<int> MasksShape { get; }

    /// <summary>[batch, Q, C] float32 class logits (scores after a sigmoid).</summary>
    public ReadOnlySpan<float> Logits => Data(0);

    /// <summary>[batch, Q, 4] float32 boxes, as <c>DiMaskDinoModel.Infer</c> returns them (model.md §13.3).</summary>
    public ReadOnlySpan<float> Boxes => Data(1);

    /// <summary>[batch, Q, H/4, W/4] float32 mask logits at a quarter of the input size.</summary>
    public ReadOnlySpan<float> Masks => Data(2);

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _values.Dispose();
        }
    }

    private ReadOnlySpan<float> Data(int index)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _values[index].GetTensorDataAsSpan<float>();
    }

    private void Check(int index, IReadOnlyList<int> expected)
    {
        var shape = _values[index].GetTensorTypeAndShape().Shape;
        if (!shape.SequenceEqual(expected.Select(d => (long)d)))
        {
            throw new InvalidDataException(
                $"output {ModelMetadata.OutputNames[index]} has shape [{string.Join(", ", shape)}], expected [{string.Join(", ", expected)}]");
        }
    }
}
