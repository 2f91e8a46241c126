using System.Buffers;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.Runtime;

namespace DiMaskDino.Inference.Batching;

/// <summary>
/// One batch on its way through <see cref="BatchPredictor"/>'s stages. Ownership: exactly one stage (or one channel)
/// holds it at a time; whoever holds it when the pipeline stops disposes it, which returns the pooled input buffer
/// and disposes ORT's outputs. Dispose is idempotent.
/// </summary>
internal sealed class PendingBatch(int capacity, PooledResources resources) : IDisposable
{
    public Item[] Items { get; } = new Item[capacity];

    /// <summary>Inputs in the batch (≤ capacity).</summary>
    public int Count { get; private set; }

    /// <summary>Images decoded into <see cref="Input"/> slots 0..Decoded−1, in input order.</summary>
    public int Decoded { get; set; }

    /// <summary>[Count, 3, H, W] pooled (length may exceed what is used); null once returned.</summary>
    public float[]? Input { get; private set; }

    public ModelOutputs? Outputs { get; private set; }

    public ImageOutcome[]? Outcomes { get; set; }

    public void Add(ImageInput input) => Items[Count++] = new Item(input);

    public float[] RentInput(int length)
    {
        Input = ArrayPool<float>.Shared.Rent(length);
        resources.Acquired();
        return Input;
    }

    public void ReturnInput()
    {
        if (Input is { } input)
        {
            Input = null;
            ArrayPool<float>.Shared.Return(input);
            resources.Released();
        }
    }

    public void SetOutputs(ModelOutputs outputs)
    {
        Outputs = outputs;
        resources.Acquired();
    }

    public void DisposeOutputs()
    {
        if (Outputs is { } outputs)
        {
            Outputs = null;
            outputs.Dispose();
            resources.Released();
        }
    }

    public void Dispose()
    {
        ReturnInput();
        DisposeOutputs();
    }

    /// <summary>One input of the batch; <see cref="Slot"/> is its index in the batch tensor, −1 when it failed.</summary>
    internal sealed class Item(ImageInput input)
    {
        public string Key { get; } = input.Key;

        /// <summary>The encoded bytes until they are decoded, then null (the batch does not keep them alive).</summary>
        public ImageInput? Input { get; set; } = input;

        public int Slot { get; set; } = -1;

        public LetterboxGeometry Geometry { get; set; }

        public string? FailureReason { get; set; }

        public ImageRejectionReason FailureKind { get; set; }
    }
}
