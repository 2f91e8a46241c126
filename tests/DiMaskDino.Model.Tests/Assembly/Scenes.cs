using DiMaskDino.Model.Losses;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Assembly;

/// <summary>Synthetic images drawn in code and their ground truth (model.md §1.4): a filled square and a disc.</summary>
internal static class Scenes
{
    /// <summary>
    /// Image b of the batch holds one object on a grey background: even b a filled square (class 1), odd b a disc
    /// (class 2 % C). Images are [B, 3, size, size] float32 RGB 0–255; masks bool [1, size, size]; boxes cxcywh / size.
    /// </summary>
    public static (Tensor Images, ImageTarget[] Targets) SquareAndDisc(int batch, int size, int classes)
    {
        var pixels = new float[batch * 3 * size * size];
        var targets = new ImageTarget[batch];
        for (var b = 0; b < batch; b++)
        {
            var mask = new bool[size * size];
            var disc = b % 2 == 1;
            double centre = size * (disc ? 0.55 : 0.4), radius = size * (disc ? 0.25 : 0.2);
            int x0 = size, y0 = size, x1 = -1, y1 = -1;
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    double dx = x + 0.5 - centre, dy = y + 0.5 - centre;
                    var inside = disc ? dx * dx + dy * dy <= radius * radius : Math.Abs(dx) <= radius && Math.Abs(dy) <= radius;
                    mask[y * size + x] = inside;
                    var colour = inside ? (disc ? new[] { 40f, 200f, 60f } : new[] { 220f, 50f, 40f }) : new[] { 128f, 128f, 128f };
                    for (var c = 0; c < 3; c++)
                    {
                        pixels[((b * 3 + c) * size + y) * size + x] = colour[c];
                    }

                    if (inside)
                    {
                        (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
                    }
                }
            }

            float[] box = [(x0 + x1 + 1) / 2f / size, (y0 + y1 + 1) / 2f / size, (x1 + 1 - x0) / (float)size, (y1 + 1 - y0) / (float)size];
            targets[b] = new ImageTarget(
                tensor(new long[] { disc ? 2 % classes : 1 % classes }, [1]),
                tensor(box, [1, 4]),
                tensor(mask, [1, size, size]));
        }

        return (tensor(pixels, [batch, 3, size, size]), targets);
    }

    /// <summary>Uniform noise images [B, 3, H, W] in 0–255.</summary>
    public static Tensor Noise(int batch, int height, int width) => rand(batch, 3, height, width) * 255;

    public static void Dispose(IEnumerable<ImageTarget> targets)
    {
        foreach (var target in targets)
        {
            target.Dispose();
        }
    }
}
