using DiMaskDino.Model.Data;
using DiMaskDino.Model.Data.Augmentation;

namespace DiMaskDino.Model.Tests.Data;

public sealed class LargeScaleJitterTests
{
    private static readonly LargeScaleJitter Tiny = new(LsjOptions.Tiny);

    /// <summary>A 96x160 (h x w) image with a noisy ramp and three instances: a block, a thin bar and a corner dot.</summary>
    private static InstanceSample Sample()
    {
        const int h = 96, w = 160;
        var random = new SplitMix64(3);
        var pixels = new float[3 * h * w];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (i % w) + random.Int(0, 50);
        }

        var masks = new byte[3 * h * w];
        Fill(masks, 0, h, w, 10, 20, 40, 60);
        Fill(masks, 1, h, w, 50, 100, 52, 150);
        Fill(masks, 2, h, w, 94, 0, 96, 2);
        return new InstanceSample(5, new RgbImage(h, w, pixels), [0, 1, 2], masks, [new(20, 10, 60, 40), new(100, 50, 150, 52), new(0, 94, 2, 96)]);
    }

    private static void Fill(byte[] masks, int instance, int h, int w, int y0, int x0, int y1, int x1)
    {
        for (var y = y0; y < y1; y++)
        {
            masks.AsSpan((instance * h + y) * w + x0, x1 - x0).Fill(1);
        }
    }

    [Fact]
    public void Output_is_exactly_the_canvas_with_boxes_equal_to_tight_mask_boxes()
    {
        for (ulong seed = 0; seed < 40; seed++)
        {
            var output = Tiny.Apply(Sample(), new SplitMix64(seed));

            Assert.Equal((128, 128), (output.Image.Height, output.Image.Width));
            Assert.Equal(output.Count * 128 * 128, output.Masks.Length);
            for (var i = 0; i < output.Count; i++)
            {
                Assert.Equal(InstanceSample.TightBox(output.Mask(i), 128, 128), output.Boxes[i]);
            }
        }
    }

    [Fact]
    public void Small_scale_pads_bottom_right_with_128_and_zero_masks()
    {
        var sample = Sample();
        var draw = new LsjDraw(false, 0.5, new ResizeWindow(96, 160, 38, 64, 0, 0, 38, 64, Mirror: false));

        var output = Tiny.Apply(sample, draw);

        for (var c = 0; c < 3; c++)
        {
            Assert.Equal(128f, output.Image[c, 127, 127]);
            Assert.Equal(128f, output.Image[c, 38, 10]);
            Assert.Equal(128f, output.Image[c, 10, 64]);
            Assert.NotEqual(128f, output.Image[c, 37, 63]);
        }

        for (var i = 0; i < output.Count; i++)
        {
            Assert.True(output.Boxes[i].X1 <= 64 && output.Boxes[i].Y1 <= 38);
        }
    }

    [Fact]
    public void Draw_fits_the_image_inside_the_scaled_canvas_keeping_aspect()
    {
        var draw = Tiny.Draw(96, 160, new SplitMix64(11));
        var target = 128 * draw.Scale;

        Assert.InRange(draw.Scale, 0.5, 1.5);
        Assert.Equal(Math.Round(160 * target / 160), draw.Window.ResizedWidth); // the long side fills the target
        Assert.Equal(Math.Round(96 * target / 160), draw.Window.ResizedHeight);
        Assert.Equal(Math.Min(128, draw.Window.ResizedHeight), draw.Window.Height);
    }

    [Fact]
    public void Flip_mirrors_image_masks_and_boxes()
    {
        var sample = Sample();
        var straight = Tiny.Apply(sample, new LsjDraw(false, 1, new ResizeWindow(96, 160, 96, 160, 0, 16, 96, 128, Mirror: false)));
        var mirrored = Tiny.Apply(sample, new LsjDraw(true, 1, new ResizeWindow(96, 160, 96, 160, 0, 16, 96, 128, Mirror: true)));

        // Unscaled, the mirrored crop [16, 144) of the flipped image is the mirror of crop [16, 144) of the original.
        Assert.Equal(straight.Labels, mirrored.Labels);
        for (var i = 0; i < straight.Count; i++)
        {
            var a = straight.Boxes[i];
            var b = mirrored.Boxes[i];
            Assert.Equal(new PixelBox(128 - a.X1, a.Y0, 128 - a.X0, a.Y1), b);
            for (var y = 0; y < 96; y++)
            {
                for (var x = 0; x < 128; x++)
                {
                    Assert.Equal(straight.Mask(i)[y * 128 + x], mirrored.Mask(i)[y * 128 + 127 - x]);
                }
            }
        }

        for (var y = 0; y < 96; y += 7)
        {
            for (var x = 0; x < 128; x++)
            {
                Assert.Equal(straight.Image[1, y, x], mirrored.Image[1, y, 127 - x], 3);
                Assert.Equal(sample.Image[1, y, 16 + x], straight.Image[1, y, x], 3); // scale 1 copies pixels
            }
        }
    }

    [Fact]
    public void Flip_after_downscaling_mirrors_the_resized_image()
    {
        var sample = Sample();
        var straight = Tiny.Apply(sample, new LsjDraw(false, 0.7, new ResizeWindow(96, 160, 67, 112, 0, 0, 67, 112, Mirror: false)));
        var mirrored = Tiny.Apply(sample, new LsjDraw(true, 0.7, new ResizeWindow(96, 160, 67, 112, 0, 0, 67, 112, Mirror: true)));

        Assert.Equal(straight.Count, mirrored.Count);
        for (var y = 0; y < 67; y++)
        {
            for (var x = 0; x < 112; x++)
            {
                Assert.Equal(straight.Image[0, y, x], mirrored.Image[0, y, 111 - x], 2);
                for (var i = 0; i < straight.Count; i++)
                {
                    Assert.Equal(straight.Mask(i)[y * 128 + x], mirrored.Mask(i)[y * 128 + 111 - x]);
                }
            }
        }

        Assert.Equal(128f, mirrored.Image[0, 10, 120]); // right of the 112-wide image: padding
    }

    [Fact]
    public void Instances_cropped_away_are_dropped_and_labels_follow()
    {
        // Crop x in [32, 160) of the unscaled image: the corner dot (x 0..2) leaves the window, the block (x 20..60) is cut.
        var output = Tiny.Apply(Sample(), new LsjDraw(false, 1, new ResizeWindow(96, 160, 96, 160, 0, 32, 96, 128, Mirror: false)));

        Assert.Equal([0, 1], output.Labels);
        Assert.Equal(new PixelBox(0, 10, 28, 40), output.Boxes[0]);
        Assert.Equal(new PixelBox(68, 50, 118, 52), output.Boxes[1]);
    }

    [Fact]
    public void Downscaling_averages_instead_of_sampling()
    {
        // A one-pixel checkerboard shrunk by 4: antialiased bilinear gives ~127.5 everywhere; point sampling would give 0 or 255.
        const int n = 64;
        var pixels = new float[3 * n * n];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = ((i % n) + (i / n)) % 2 == 0 ? 0 : 255;
        }

        var output = RgbImage.Filled(16, 16, PadColor.Gray128);
        new ResizeWindow(n, n, 16, 16, 0, 0, 16, 16, Mirror: false).ResampleImage(new RgbImage(n, n, pixels), output);

        Assert.All(output.Pixels, v => Assert.InRange(v, 110f, 145f));
    }

    [Fact]
    public void Same_seed_gives_the_same_sample_and_other_seeds_differ()
    {
        var a = Tiny.Apply(Sample(), new SplitMix64(99));
        var b = Tiny.Apply(Sample(), new SplitMix64(99));
        var draws = Enumerable.Range(0, 10).Select(s => Tiny.Draw(96, 160, new SplitMix64((ulong)s))).ToList();

        Assert.Equal(a.Image.Pixels, b.Image.Pixels);
        Assert.Equal(a.Masks, b.Masks);
        Assert.True(draws.Select(d => d.Scale).Distinct().Count() == 10);
        Assert.Contains(draws, d => d.Flip);
        Assert.Contains(draws, d => !d.Flip);
    }
}
