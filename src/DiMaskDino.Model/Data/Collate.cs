// Batching managed samples into tensors on the calling (training) thread (style.md tensor rule 4): images
// [B, 3, H, W] 0–255 RGB (the model normalises, model.md §1.1) and per-image targets (§1.4).

using DiMaskDino.Model.Losses;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Data;

/// <summary>A training batch. Owns its tensors.</summary>
/// <param name="Images">[B, 3, H_pad, W_pad] float32 RGB 0–255.</param>
/// <param name="Targets">B targets (labels [N] int64, boxes [N, 4] cxcywh / (W_pad, H_pad), masks [N, H_pad, W_pad] float32 0/1), in batch order.</param>
/// <param name="ImageIds">B COCO image ids.</param>
public sealed record TrainingBatch(Tensor Images, IReadOnlyList<ImageTarget> Targets, IReadOnlyList<long> ImageIds) : IDisposable
{
    /// <summary>This batch on <paramref name="device"/>; returns itself on the same device, else moves and disposes the original.</summary>
    public TrainingBatch To(Device device)
    {
        if (Images.device.type == device.type && Images.device.index == device.index)
        {
            return this;
        }

        var moved = new TrainingBatch(
            Images.to(device),
            [.. Targets.Select(t => new ImageTarget(t.Labels.to(device), t.Boxes.to(device), t.Masks.to(device)))],
            ImageIds);
        Dispose();
        return moved;
    }

    public void Dispose()
    {
        Images.Dispose();
        foreach (var target in Targets)
        {
            target.Dispose();
        }
    }
}

/// <summary>Turns managed samples into tensors; call on the thread that uses the tensors.</summary>
public static class Collate
{
    /// <summary>
    /// Stacks <paramref name="samples"/> into a batch padded bottom/right to the largest height and width rounded up to
    /// a multiple of <paramref name="sizeDivisibility"/> (model.md §1.1; LSJ canvases of 128 or 1024 need none).
    /// </summary>
    /// <param name="pad">Fill for image padding; masks are padded with 0.</param>
    public static TrainingBatch Training(IReadOnlyList<InstanceSample> samples, PadColor pad, int sizeDivisibility = 32)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var images = Images([.. samples.Select(s => s.Image)], pad, sizeDivisibility);
        var height = (int)images.shape[2];
        var width = (int)images.shape[3];
        var targets = new ImageTarget[samples.Count];
        for (var b = 0; b < samples.Count; b++)
        {
            targets[b] = Targets(samples[b], height, width);
        }

        return new TrainingBatch(images, targets, [.. samples.Select(s => s.ImageId)]);
    }

    /// <summary>[B, 3, H_pad, W_pad] float32 RGB 0–255, padded bottom/right with <paramref name="pad"/>.</summary>
    public static Tensor Images(IReadOnlyList<RgbImage> images, PadColor pad, int sizeDivisibility = 32)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfZero(images.Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeDivisibility);
        var height = RoundUp(images.Max(i => i.Height), sizeDivisibility);
        var width = RoundUp(images.Max(i => i.Width), sizeDivisibility);
        var plane = height * width;
        var data = new float[images.Count * 3 * plane];
        for (var b = 0; b < images.Count; b++)
        {
            var image = images[b];
            var fill = new[] { pad.R, pad.G, pad.B };
            for (var c = 0; c < 3; c++)
            {
                var destination = data.AsSpan((b * 3 + c) * plane, plane);
                if (image.Height != height || image.Width != width)
                {
                    destination.Fill(fill[c]);
                }

                for (var y = 0; y < image.Height; y++)
                {
                    image.Pixels.AsSpan((c * image.Height + y) * image.Width, image.Width).CopyTo(destination.Slice(y * width));
                }
            }
        }

        return tensor(data, [images.Count, 3, height, width]);
    }

    private static ImageTarget Targets(InstanceSample sample, int height, int width)
    {
        var n = sample.Count;
        var labels = new long[n];
        var boxes = new float[n * 4];
        for (var i = 0; i < n; i++)
        {
            labels[i] = sample.Labels[i];
            var box = sample.Boxes[i];
            boxes[4 * i] = (box.X0 + box.X1) * 0.5f / width;
            boxes[4 * i + 1] = (box.Y0 + box.Y1) * 0.5f / height;
            boxes[4 * i + 2] = (float)box.Width / width;
            boxes[4 * i + 3] = (float)box.Height / height;
        }

        int imageHeight = sample.Image.Height, imageWidth = sample.Image.Width;
        byte[] masks;
        if (imageHeight == height && imageWidth == width)
        {
            masks = sample.Masks;
        }
        else
        {
            masks = new byte[n * height * width];
            for (var i = 0; i < n; i++)
            {
                for (var y = 0; y < imageHeight; y++)
                {
                    sample.Masks.AsSpan((i * imageHeight + y) * imageWidth, imageWidth).CopyTo(masks.AsSpan((i * height + y) * width));
                }
            }
        }

        using var byteMasks = tensor(masks, [n, height, width]);
        return new ImageTarget(tensor(labels, [n]), tensor(boxes, [n, 4]), byteMasks.to_type(ScalarType.Float32));
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
