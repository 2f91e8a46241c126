using System.Buffers;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.Runtime;

namespace DiMaskDino.Inference.Batching;

/// <summary>
/// One batch on its way through <see cref="BatchPredictor"/>'s stages. Its decoded images are split into
/// <see cref="Groups"/> of equal input size, one ORT run each (one group for a fixed-canvas letterbox model; with the
/// official resize, images of different padded sizes never share a run). Ownership: exactly one stage (or one channel)
/// holds it at a time; whoever holds it when the pipeline stops disposes it, which returns every pooled buffer and
/// disposes ORT's outputs. Dispose is idempotent.
/// </summary>
internal sealed class PendingBatch<TTag>(int capacity, PooledResources resources) : IDisposable
{
    public Item[] Items { get; } = new Item[capacity];

    /// <summary>Inputs in the batch (≤ capacity).</summary>
    public int Count { get; private set; }

    /// <summary>Images decoded into a group's input, in total.</summary>
    public int Decoded { get; private set; }

    /// <summary>The runs of this batch, in order of their first image.</summary>
    public List<RunGroup> Groups { get; } = [];

    public ImageOutcome<TTag>[]? Outcomes { get; set; }

    public void Add(ImageInput<TTag> input) => Items[Count++] = new Item(input);

    /// <summary>A pooled buffer of at least <paramref name="length"/> floats for one image's input.</summary>
    public float[] RentImage(Item item, int length)
    {
        item.Prepared = ArrayPool<float>.Shared.Rent(length);
        resources.Acquired();
        return item.Prepared;
    }

    /// <summary>
    /// Groups the prepared images by canvas (first-seen order), copies each into its group's [n, 3, H, W] input and
    /// returns the per-image buffers; sets every item's group and slot.
    /// </summary>
    public void GroupPrepared()
    {
        var byCanvas = Items.Take(Count).Where(i => i.Prepared is not null)
            .GroupBy(i => (i.Geometry.CanvasHeight, i.Geometry.CanvasWidth));   // first-seen order
        foreach (var members in byCanvas)
        {
            var (height, width) = members.Key;
            var group = new RunGroup(height, width, ArrayPool<float>.Shared.Rent(members.Count() * 3 * height * width));
            resources.Acquired();
            Groups.Add(group);
            foreach (var item in members)
            {
                Array.Copy(item.Prepared!, 0, group.Input!, group.Count * group.ImageLength, group.ImageLength);
                item.Group = Groups.Count - 1;
                item.Slot = group.Count++;
                ReturnImage(item);
                Decoded++;
            }
        }
    }

    /// <summary>Returns every group's input buffer (after the runs).</summary>
    public void ReturnInputs()
    {
        foreach (var group in Groups)
        {
            if (group.Input is { } input)
            {
                group.Input = null;
                ArrayPool<float>.Shared.Return(input);
                resources.Released();
            }
        }
    }

    public void SetOutputs(RunGroup group, ModelOutputs outputs)
    {
        group.Outputs = outputs;
        resources.Acquired();
    }

    public void DisposeOutputs()
    {
        foreach (var group in Groups)
        {
            if (group.Outputs is { } outputs)
            {
                group.Outputs = null;
                outputs.Dispose();
                resources.Released();
            }
        }
    }

    public void Dispose()
    {
        foreach (var item in Items.AsSpan(0, Count))
        {
            ReturnImage(item);
        }

        ReturnInputs();
        DisposeOutputs();
    }

    private void ReturnImage(Item item)
    {
        if (item.Prepared is { } prepared)
        {
            item.Prepared = null;
            ArrayPool<float>.Shared.Return(prepared);
            resources.Released();
        }
    }

    /// <summary>Images of one input size run together: <see cref="Input"/> is [Count, 3, Height, Width] (pooled, may be longer).</summary>
    internal sealed class RunGroup(int height, int width, float[] input)
    {
        public int Height { get; } = height;

        public int Width { get; } = width;

        public int ImageLength => 3 * Height * Width;

        public int Count { get; set; }

        public float[]? Input { get; set; } = input;

        public ModelOutputs? Outputs { get; set; }
    }

    /// <summary>One input of the batch; <see cref="Slot"/> is its index in its group's tensor, −1 when it failed.</summary>
    internal sealed class Item(ImageInput<TTag> input)
    {
        /// <summary>The caller's tag, handed back on the outcome.</summary>
        public TTag Tag { get; } = input.Tag;

        /// <summary>The encoded bytes until they are decoded, then null (the batch does not keep them alive).</summary>
        public ImageInput<TTag>? Input { get; set; } = input;

        /// <summary>This image's model input until it is copied into its group, then null.</summary>
        public float[]? Prepared { get; set; }

        public int Group { get; set; } = -1;

        public int Slot { get; set; } = -1;

        public LetterboxGeometry Geometry { get; set; }

        public string? FailureReason { get; set; }

        public ImageRejectionReason FailureKind { get; set; }
    }
}
