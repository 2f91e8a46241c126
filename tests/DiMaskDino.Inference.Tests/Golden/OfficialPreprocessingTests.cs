using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Images;
using DiMaskDino.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Inference.Tests.Golden;

/// <summary>The official test transform against the references recorded from the official pipeline (shared/golden/official).</summary>
public sealed class OfficialPreprocessingTests
{
    private static readonly float[] Mean = [123.675f, 116.28f, 103.53f];
    private static readonly float[] Std = [58.395f, 57.12f, 57.375f];

    private static ResizeShortestEdge Transform() => new(800, 1333, ChannelOrder.Rgb, Mean, Std);

    [SkippableFact]
    public void Our_resize_of_each_image_equals_the_official_resized_png_byte_for_byte()
    {
        foreach (var golden in OfficialGolden.Cases("r50-small"))
        {
            var image = new ImageLoader().Load(File.ReadAllBytes(golden.Image));
            Assert.Equal((golden.Height, golden.Width), (image.Height, image.Width));

            var (pixels, geometry) = Transform().Resize(image);

            Assert.Equal(
                new LetterboxGeometry(golden.PaddedHeight, golden.PaddedWidth, golden.ResizedHeight, golden.ResizedWidth, golden.Height, golden.Width),
                geometry);
            using var expected = Image.Load<Rgb24>(golden.Resized);
            Assert.Equal((golden.ResizedHeight, golden.ResizedWidth), (expected.Height, expected.Width));
            int plane = expected.Height * expected.Width, differing = 0;
            for (int y = 0; y < expected.Height; y++)
            {
                for (int x = 0; x < expected.Width; x++)
                {
                    var p = expected[x, y];
                    int i = y * expected.Width + x;
                    differing += (pixels[i] != p.R ? 1 : 0) + (pixels[plane + i] != p.G ? 1 : 0) + (pixels[2 * plane + i] != p.B ? 1 : 0);
                }
            }

            Assert.True(differing == 0, $"{golden.Image}: {differing} of {3 * plane} resized bytes differ from {golden.Resized}");
        }
    }

    [SkippableFact]
    public void The_normalised_padded_input_equals_the_official_tensor_bit_for_bit()
    {
        foreach (var golden in OfficialGolden.Cases("r50-small"))
        {
            var stored = Safetensors.Read(golden.Preprocessed);
            var expected = stored["image"];
            Assert.Equal([1L, 3, golden.PaddedHeight, golden.PaddedWidth], expected.Shape);
            Assert.Equal([(long)golden.ResizedHeight, golden.ResizedWidth], stored["image_size"].Longs!);
            Assert.Equal([(long)golden.Height, golden.Width], stored["original_size"].Longs!);
            var transform = Transform();
            var image = new ImageLoader().Load(File.ReadAllBytes(golden.Image));
            var input = new float[ResizeShortestEdge.InputLength(transform.Fit(image.Height, image.Width))];

            transform.Apply(image, input);

            Assert.Equal(expected.Floats!.Length, input.Length);
            int differentBits = 0;
            float maxDifference = 0;
            for (int i = 0; i < input.Length; i++)
            {
                differentBits += BitConverter.SingleToInt32Bits(input[i]) != BitConverter.SingleToInt32Bits(expected.Floats[i]) ? 1 : 0;
                maxDifference = Math.Max(maxDifference, Math.Abs(input[i] - expected.Floats[i]));
            }

            Assert.True(maxDifference <= 1e-4f, $"{golden.Image}: max |difference| {maxDifference} over the README's 1e-4");
            Assert.True(differentBits == 0, $"{golden.Image}: {differentBits} of {input.Length} floats differ in their bits (max {maxDifference})");
        }
    }
}
