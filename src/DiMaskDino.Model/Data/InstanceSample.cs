// One image with its instances as managed arrays: the unit the dataset reader, the augmentation and the loader pass
// around (model.md §1.3, §1.4).

namespace DiMaskDino.Model.Data;

/// <summary>A box in absolute pixels, corners <c>(X0, Y0)</c> inclusive and <c>(X1, Y1)</c> exclusive (pixel edges).</summary>
public readonly record struct PixelBox(int X0, int Y0, int X1, int Y1)
{
    public int Width => X1 - X0;

    public int Height => Y1 - Y0;
}

/// <summary>
/// An image and its instances. Masks are 0/1 bytes, instance-major then row-major: pixel (y, x) of instance i at
/// <c>Masks[(i * Image.Height + y) * Image.Width + x]</c> — the layout of an [N, H, W] tensor. Every box is the
/// tight box of its mask, every mask is non-empty.
/// </summary>
public sealed class InstanceSample
{
    public InstanceSample(long imageId, RgbImage image, int[] labels, byte[] masks, PixelBox[] boxes)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(boxes);
        if (boxes.Length != labels.Length || masks.Length != (long)labels.Length * image.Height * image.Width)
        {
            throw new ArgumentException(
                $"{labels.Length} labels need {labels.Length} boxes and {(long)labels.Length * image.Height * image.Width} mask bytes, got {boxes.Length} and {masks.Length}");
        }

        ImageId = imageId;
        Image = image;
        Labels = labels;
        Masks = masks;
        Boxes = boxes;
    }

    /// <summary>COCO image id.</summary>
    public long ImageId { get; }

    public RgbImage Image { get; }

    /// <summary>[N] contiguous class indices 0..C−1 (see <see cref="CategoryMap"/>).</summary>
    public int[] Labels { get; }

    /// <summary>[N, H, W] 0/1.</summary>
    public byte[] Masks { get; }

    /// <summary>[N] tight boxes of the masks.</summary>
    public PixelBox[] Boxes { get; }

    public int Count => Labels.Length;

    /// <summary>The [H, W] mask of instance <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Mask(int index) => Masks.AsSpan(index * Image.Height * Image.Width, Image.Height * Image.Width);

    /// <summary>
    /// The tight box of a row-major 0/1 mask (detectron2's BitMasks.get_bounding_boxes: last index + 1), or null
    /// when the mask is empty.
    /// </summary>
    public static PixelBox? TightBox(ReadOnlySpan<byte> mask, int height, int width)
    {
        int x0 = width, y0 = height, x1 = -1, y1 = -1;
        for (var y = 0; y < height; y++)
        {
            var row = mask.Slice(y * width, width);
            var first = row.IndexOfAnyExcept((byte)0);
            if (first < 0)
            {
                continue;
            }

            var last = row.LastIndexOfAnyExcept((byte)0);
            y0 = Math.Min(y0, y);
            y1 = y;
            x0 = Math.Min(x0, first);
            x1 = Math.Max(x1, last);
        }

        return y1 < 0 ? null : new PixelBox(x0, y0, x1 + 1, y1 + 1);
    }
}
