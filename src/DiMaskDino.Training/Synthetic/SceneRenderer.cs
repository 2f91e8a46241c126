// Renders one synthetic image: background, 1–8 shapes painted in order (later ones occlude earlier ones), and the
// exact visible mask of every shape (issue 3, "Data").

using DiMaskDino.Coco.Masks;
using DiMaskDino.Model.Data;

namespace DiMaskDino.Training.Synthetic;

/// <summary>One rendered image: interleaved RGB bytes and the kept objects with their visible masks.</summary>
/// <param name="Rgb">[size, size, 3] interleaved RGB, row-major.</param>
/// <param name="Owner">[size, size]: index into <paramref name="Objects"/> of the object painted at each pixel, −1 for background.</param>
/// <param name="Objects">Kept objects in paint order (bottom first).</param>
/// <param name="Masks">Visible mask of each kept object: exactly the pixels whose <paramref name="Owner"/> is that object.</param>
/// <param name="Dropped">Objects removed because their visible area was below <see cref="SceneRenderer.MinVisibleArea"/>.</param>
internal sealed record Scene(int Size, byte[] Rgb, short[] Owner, IReadOnlyList<SceneObject> Objects, IReadOnlyList<RleMask> Masks, int Dropped);

/// <summary>
/// Draws scenes from a <see cref="SplitMix64"/>. Object size (circumscribed diameter) is 8 + (D − 8)·u² pixels with
/// D = 120 at 256 px (scaled with the image size, at least 16), so small objects are common; centres may lie up to a
/// quarter diameter outside the image, so objects are cut by the border. A pixel belongs to the last object whose
/// shape contains its centre. Objects whose visible part is smaller than <see cref="MinVisibleArea"/> pixels are
/// removed from the scene (not painted, not annotated) and the scene is redrawn without them, so every painted object
/// is annotated; a scene left with no object is drawn again.
/// </summary>
internal static class SceneRenderer
{
    /// <summary>Smallest visible area, in pixels, of an annotated object.</summary>
    public const int MinVisibleArea = 16;

    public const int MaxObjects = 8;

    public static Scene Render(int size, SplitMix64 random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var plane = size * size;
        var rgb = new byte[3 * plane];
        var colorA = RandomColor(random);
        var colorB = RandomColor(random);
        Background.Paint(rgb, size, random, colorA, colorB);

        var owner = new short[plane];
        List<SceneObject> objects;
        int dropped;
        long[] areas;
        do
        {
            objects = [.. Enumerable.Range(0, random.Int(1, MaxObjects + 1)).Select(_ => RandomObject(size, random, colorA, colorB))];
            areas = Rasterize(objects, size, owner);
            var kept = objects.Where((_, i) => areas[i] >= MinVisibleArea).ToList();
            dropped = objects.Count - kept.Count;
            if (dropped > 0)
            {
                // Removing an object only uncovers pixels of the ones below it, so no kept object shrinks.
                objects = kept;
                areas = Rasterize(objects, size, owner);
            }
        }
        while (objects.Count == 0);

        for (var p = 0; p < plane; p++)
        {
            var o = owner[p];
            if (o >= 0)
            {
                var shape = objects[o];
                rgb[3 * p] = shape.R;
                rgb[3 * p + 1] = shape.G;
                rgb[3 * p + 2] = shape.B;
            }
        }

        return new Scene(size, rgb, owner, objects, VisibleMasks(owner, size, objects.Count), dropped);
    }

    /// <summary>
    /// The RLE of every object's pixels in <paramref name="owner"/>, built in one column-major pass (COCO's run order):
    /// each object's runs alternate background and foreground, starting with a (possibly empty) background run.
    /// </summary>
    internal static RleMask[] VisibleMasks(short[] owner, int size, int objectCount)
    {
        var counts = new List<uint>[objectCount];
        var runEnd = new int[objectCount]; // one past the object's last foreground pixel so far (column-major)
        for (var k = 0; k < objectCount; k++)
        {
            counts[k] = [];
        }

        for (var x = 0; x < size; x++)
        {
            for (var y = 0; y < size; y++)
            {
                var o = owner[y * size + x];
                if (o < 0)
                {
                    continue;
                }

                var p = x * size + y;
                var runs = counts[o];
                if (runs.Count > 0 && runEnd[o] == p)
                {
                    runs[^1]++;
                }
                else
                {
                    runs.Add((uint)(p - runEnd[o]));
                    runs.Add(1);
                }

                runEnd[o] = p + 1;
            }
        }

        var masks = new RleMask[objectCount];
        for (var k = 0; k < objectCount; k++)
        {
            if (runEnd[k] < size * size)
            {
                counts[k].Add((uint)(size * size - runEnd[k])); // trailing background; none when the last pixel is ours (canonical, as rleEncode)
            }

            masks[k] = Rle.FromUncompressed(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(counts[k]), size, size);
        }

        return masks;
    }

    /// <summary>Fills <paramref name="owner"/> with the topmost object at each pixel (−1 none); returns each object's visible area.</summary>
    private static long[] Rasterize(IReadOnlyList<SceneObject> objects, int size, short[] owner)
    {
        Array.Fill(owner, (short)-1);
        for (var i = 0; i < objects.Count; i++)
        {
            var shape = objects[i];
            var x0 = Math.Max(0, (int)Math.Floor(shape.CenterX - shape.Radius) - 1);
            var x1 = Math.Min(size - 1, (int)Math.Ceiling(shape.CenterX + shape.Radius) + 1);
            var y0 = Math.Max(0, (int)Math.Floor(shape.CenterY - shape.Radius) - 1);
            var y1 = Math.Min(size - 1, (int)Math.Ceiling(shape.CenterY + shape.Radius) + 1);
            for (var y = y0; y <= y1; y++)
            {
                for (var x = x0; x <= x1; x++)
                {
                    if (shape.ContainsPixel(x, y))
                    {
                        owner[y * size + x] = (short)i;
                    }
                }
            }
        }

        var areas = new long[objects.Count];
        foreach (var o in owner)
        {
            if (o >= 0)
            {
                areas[o]++;
            }
        }

        return areas;
    }

    private static SceneObject RandomObject(int size, SplitMix64 random, (byte R, byte G, byte B) backgroundA, (byte R, byte G, byte B) backgroundB)
    {
        var kind = ShapeKinds.All[random.Int(0, ShapeKinds.All.Count)];
        var maxDiameter = Math.Max(16.0, 120.0 * size / 256);
        var u = random.NextDouble();
        var radius = (8 + (maxDiameter - 8) * u * u) / 2;
        var margin = radius / 2; // the centre may lie a quarter diameter outside the image
        var cx = random.Uniform(-margin, size + margin);
        var cy = random.Uniform(-margin, size + margin);
        var angle = random.Uniform(0, 6.283185307179586);
        var detail = kind switch
        {
            ShapeKind.Ring => random.Uniform(0.45, 0.7),
            ShapeKind.Cross => random.Uniform(0.2, 0.35),
            _ => 0.0,
        };

        // A colour that stands out from both background colours (bounded retries keep it deterministic).
        var color = RandomColor(random);
        for (var attempt = 0; attempt < 16 && (Distance2(color, backgroundA) < 80 * 80 || Distance2(color, backgroundB) < 80 * 80); attempt++)
        {
            color = RandomColor(random);
        }

        return new SceneObject(kind, cx, cy, radius, ExactTrig.Cos(angle), ExactTrig.Sin(angle), detail, color.R, color.G, color.B);
    }

    private static (byte R, byte G, byte B) RandomColor(SplitMix64 random) =>
        ((byte)random.Int(0, 256), (byte)random.Int(0, 256), (byte)random.Int(0, 256));

    private static int Distance2((byte R, byte G, byte B) a, (byte R, byte G, byte B) b) =>
        (a.R - b.R) * (a.R - b.R) + (a.G - b.G) * (a.G - b.G) + (a.B - b.B) * (a.B - b.B);
}
