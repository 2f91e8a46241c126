using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Images;
using ModelData = DiMaskDino.Model.Data;
using ModelAugmentation = DiMaskDino.Model.Data.Augmentation;

namespace DiMaskDino.Inference.Tests.Images;

public sealed class LetterboxTests
{
    private static readonly float[] Mean = [123.675f, 116.28f, 103.53f];
    private static readonly float[] Std = [58.395f, 57.12f, 57.375f];

    private static DecodedImage Constant(int height, int width, float r, float g, float b)
    {
        int plane = height * width;
        var pixels = new float[3 * plane];
        pixels.AsSpan(0, plane).Fill(r);
        pixels.AsSpan(plane, plane).Fill(g);
        pixels.AsSpan(2 * plane, plane).Fill(b);
        return new DecodedImage(height, width, pixels, "test");
    }

    [Theory]
    [InlineData(50, 100, 64, 64, 32, 64)]
    [InlineData(100, 50, 64, 64, 64, 32)]
    [InlineData(480, 640, 512, 512, 384, 512)]
    [InlineData(10, 10, 64, 96, 64, 64)]
    [InlineData(1, 1000, 64, 64, 1, 64)]
    public void Fit_keeps_the_aspect_ratio_inside_the_canvas(int h0, int w0, int canvasH, int canvasW, int h, int w)
    {
        var geometry = LetterboxGeometry.Fit(canvasH, canvasW, h0, w0);

        Assert.Equal(new LetterboxGeometry(canvasH, canvasW, h, w, h0, w0), geometry);
    }

    [Fact]
    public void Apply_normalises_the_image_and_pads_bottom_right_with_the_pad_value()
    {
        var letterbox = new Letterbox(64, 64, ChannelOrder.Rgb, Mean, Std, padValue: [0f, 0f, 0f]);
        var input = new float[letterbox.InputLength];

        var geometry = letterbox.Apply(Constant(50, 100, 200f, 100f, 50f), input);

        Assert.Equal(new LetterboxGeometry(64, 64, 32, 64, 50, 100), geometry);
        Assert.Equal((200f - Mean[0]) / Std[0], input[0], 1e-5f);                           // R at (0, 0)
        Assert.Equal((100f - Mean[1]) / Std[1], input[64 * 64 + 31 * 64 + 63], 1e-5f);      // G at (31, 63)
        Assert.Equal((0f - Mean[2]) / Std[2], input[2 * 64 * 64 + 32 * 64], 1e-6f);         // B at (32, 0): padding
        Assert.Equal((0f - Mean[0]) / Std[0], input[63 * 64 + 63], 1e-6f);
    }

    [Fact]
    public void Default_pad_is_the_mean_so_padding_is_zero_after_normalisation()
    {
        var letterbox = new Letterbox(32, 32, ChannelOrder.Rgb, Mean, Std);
        var input = new float[letterbox.InputLength];

        letterbox.Apply(Constant(32, 16, 1f, 2f, 3f), input);

        Assert.Equal(0f, input[31 * 32 + 20]);
        Assert.Equal(0f, input[2 * 32 * 32 + 5 * 32 + 16]);
    }

    [Fact]
    public void Bgr_order_puts_blue_first_with_the_means_in_model_order()
    {
        float[] bgrMean = [Mean[2], Mean[1], Mean[0]];
        float[] bgrStd = [Std[2], Std[1], Std[0]];
        var letterbox = new Letterbox(16, 16, ChannelOrder.Bgr, bgrMean, bgrStd);
        var input = new float[letterbox.InputLength];

        letterbox.Apply(Constant(16, 16, 200f, 100f, 50f), input);

        Assert.Equal((50f - bgrMean[0]) / bgrStd[0], input[0], 1e-5f);
        Assert.Equal((200f - bgrMean[2]) / bgrStd[2], input[2 * 256], 1e-5f);
    }

    [Theory]
    [InlineData(37, 53, 64, 64)]
    [InlineData(200, 90, 64, 64)]
    [InlineData(20, 30, 96, 64)]
    public void Resampling_matches_the_training_letterbox(int h0, int w0, int canvasH, int canvasW)
    {
        var random = new Random(h0 * 1000 + w0);
        var pixels = new float[3 * h0 * w0];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = random.Next(256);
        }

        var letterbox = new Letterbox(canvasH, canvasW, ChannelOrder.Rgb, [0f, 0f, 0f], [1f, 1f, 1f], padValue: [7f, 7f, 7f]);
        var input = new float[letterbox.InputLength];
        letterbox.Apply(new DecodedImage(h0, w0, pixels, "test"), input);

        var expected = new ModelAugmentation.Letterbox(canvasH, canvasW, new ModelData.PadColor(7f, 7f, 7f))
            .Apply(0, new ModelData.RgbImage(h0, w0, pixels));
        Assert.Equal(expected.Image.Pixels.Length, input.Length);
        double maxDiff = 0;
        for (int i = 0; i < input.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(expected.Image.Pixels[i] - input[i]));
        }

        Assert.True(maxDiff < 1e-3, $"max difference {maxDiff}");
    }
}
