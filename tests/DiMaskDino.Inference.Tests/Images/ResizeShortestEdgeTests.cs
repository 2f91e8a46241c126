using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Images;

namespace DiMaskDino.Inference.Tests.Images;

/// <summary>detectron2's ResizeShortestEdge size rule, Pillow's 8-bit bilinear filter, normalisation and padding.</summary>
public sealed class ResizeShortestEdgeTests
{
    private static readonly float[] Mean = [123.675f, 116.28f, 103.53f];
    private static readonly float[] Std = [58.395f, 57.12f, 57.375f];

    [Theory]
    [InlineData(201, 303, 800, 1206)]    // the README's examples
    [InlineData(100, 400, 333, 1333)]    // long side capped: 333.25 → 333
    [InlineData(640, 480, 1067, 800)]    // 1066.67 → 1067
    [InlineData(333, 501, 800, 1204)]    // odd sizes: 1203.6 → 1204
    [InlineData(427, 640, 800, 1199)]    // 1199.06 → 1199
    [InlineData(17, 9, 1333, 706)]       // tiny, portrait, capped and upscaled
    [InlineData(1, 1, 800, 800)]
    [InlineData(800, 800, 800, 800)]     // already the target: unchanged
    [InlineData(1080, 1920, 750, 1333)]  // 16:9 capped: 749.8 → 750
    [InlineData(3000, 4000, 800, 1067)]  // downscaled
    public void Target_size_follows_detectron2(int h, int w, int newH, int newW)
    {
        Assert.Equal((newH, newW), ResizeShortestEdge.TargetSize(h, w, 800, 1333));
    }

    [Fact]
    public void Smaller_sizes_are_an_option()
    {
        Assert.Equal((600, 800), ResizeShortestEdge.TargetSize(480, 640, 600, 1000));
        Assert.Equal((562, 1000), ResizeShortestEdge.TargetSize(1080, 1920, 600, 1000));
    }

    [Theory]
    [InlineData(201, 303, 800, 1216)]
    [InlineData(640, 480, 1088, 800)]
    [InlineData(100, 400, 352, 1344)]
    public void The_canvas_is_the_resized_size_padded_to_multiples_of_32(int h, int w, int canvasH, int canvasW)
    {
        var geometry = new ResizeShortestEdge(800, 1333, ChannelOrder.Rgb, Mean, Std).Fit(h, w);

        Assert.Equal((canvasH, canvasW, h, w), (geometry.CanvasHeight, geometry.CanvasWidth, geometry.OriginalHeight, geometry.OriginalWidth));
        Assert.Equal(ResizeShortestEdge.TargetSize(h, w, 800, 1333), (geometry.ResizedHeight, geometry.ResizedWidth));
    }

    [Fact]
    public void Upscaling_a_width_uses_the_plain_triangle()
    {
        // 2 → 4: centres 0.25, 0.75, 1.25, 1.75; the outer outputs read one pixel only (clamped window).
        byte[] resized = PillowBilinear.Resize([0, 100], 1, 1, 2, 1, 4);

        Assert.Equal([0, 25, 75, 100], resized);
    }

    [Fact]
    public void Downscaling_widens_the_triangle_to_the_scale()
    {
        // 10 → 4, scale 2.5: output 0 is centred on 1.25 and reads pixels 0..3 with weights 0.7, 0.9, 0.5, 0.1 (/2.2),
        // so 10·(0·0.7 + 1·0.9 + 2·0.5 + 3·0.1)/2.2 = 10. A support of 1 would read pixels 0..1 only and give 8.
        byte[] row = [.. Enumerable.Range(0, 10).Select(j => (byte)(10 * j))];

        byte[] resized = PillowBilinear.Resize(row, 1, 1, 10, 1, 4);

        Assert.Equal(10, resized[0]);
        // Output 3 is centred on 8.75: pixels 6..9 with weights 0.1, 0.5, 0.9, 0.7 → (6·0.1 + 7·0.5 + 8·0.9 + 9·0.7)/2.2 = 8.0 → 80.
        Assert.Equal(80, resized[3]);
    }

    [Fact]
    public void Downscaling_a_height_uses_the_same_rule()
    {
        byte[] column = [.. Enumerable.Range(0, 10).Select(j => (byte)(10 * j))];

        Assert.Equal(PillowBilinear.Resize(column, 1, 1, 10, 1, 4), PillowBilinear.Resize(column, 1, 10, 1, 4, 1));
    }

    [Fact]
    public void The_horizontal_pass_is_rounded_to_8_bits_before_the_vertical_pass()
    {
        // [[0, 2], [0, 0]] → 4×4. Horizontally row 0 becomes [0, 0.5, 1.5, 2] → [0, 1, 2, 2] (0.5 rounds up in fixed
        // point). Vertically output row 1 is 0.75·row 0 + 0.25·row 1, so column 1 is 0.75·1 = 0.75 → 1; without the
        // intermediate rounding it would be 0.75·0.5 = 0.375 → 0.
        byte[] resized = PillowBilinear.Resize([0, 2, 0, 0], 1, 2, 2, 4, 4);

        Assert.Equal([0, 1, 2, 2], resized[..4]);
        Assert.Equal(1, resized[4 + 1]);
    }

    [Fact]
    public void Equal_sizes_copy_the_image()
    {
        byte[] pixels = [.. Enumerable.Range(0, 3 * 5 * 7).Select(i => (byte)(i * 37))];

        Assert.Equal(pixels, PillowBilinear.Resize(pixels, 3, 5, 7, 5, 7));
    }

    [Fact]
    public void Normalisation_is_in_model_order_and_the_padding_is_zero()
    {
        // 40×32 → 800×640 (canvas 800×640); a constant image stays constant through the filter.
        var bgr = new ResizeShortestEdge(800, 1333, ChannelOrder.Bgr, [Mean[2], Mean[1], Mean[0]], [Std[2], Std[1], Std[0]]);
        var image = Constant(33, 40, 200, 100, 50);
        var geometry = bgr.Fit(33, 40);
        var input = new float[ResizeShortestEdge.InputLength(geometry)];
        input.AsSpan().Fill(float.NaN);

        bgr.Apply(image, input);

        Assert.Equal(new LetterboxGeometry(800, 992, 800, 970, 33, 40), geometry);
        int plane = 800 * 992;
        Assert.Equal((50f - Mean[2]) / Std[2], input[0]);                        // blue first
        Assert.Equal((200f - Mean[0]) / Std[0], input[2 * plane + 799 * 992 + 969]);
        Assert.Equal(0f, input[969 + 1]);                                         // right padding
        Assert.Equal(0f, input[plane + 799 * 992 + 991]);
        Assert.DoesNotContain(input, float.IsNaN);
    }

    [Fact]
    public void A_destination_of_the_wrong_length_is_refused()
    {
        var transform = new ResizeShortestEdge(800, 1333, ChannelOrder.Rgb, Mean, Std);

        Assert.Throws<ArgumentException>(() => transform.Apply(Constant(10, 10, 1, 2, 3), new float[3 * 800 * 800 - 1]));
    }

    private static DecodedImage Constant(int height, int width, float r, float g, float b)
    {
        int plane = height * width;
        var pixels = new float[3 * plane];
        pixels.AsSpan(0, plane).Fill(r);
        pixels.AsSpan(plane, plane).Fill(g);
        pixels.AsSpan(2 * plane, plane).Fill(b);
        return new DecodedImage(height, width, pixels, "test");
    }
}
