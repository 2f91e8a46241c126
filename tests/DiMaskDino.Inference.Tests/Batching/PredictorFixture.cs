using DiMaskDino.TestSupport;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Inference.Tests.Images;
using DiMaskDino.Inference.Tests.Runtime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Inference.Tests.Batching;

/// <summary>The tiny exported model opened once on the CPU, plus images and the one-image-at-a-time reference.</summary>
public sealed class PredictorFixture : IDisposable
{
    private readonly TinyOnnxModel _tiny = new();

    public PredictorFixture()
    {
        Session = new ModelSession(_tiny.Path, new InferenceOptions { PreferredProvider = ExecutionProvider.Cpu, IntraOpThreads = 2 }, new ListLogger<ModelSession>());
    }

    public ModelSession Session { get; }

    /// <summary>A seeded noise image with a bright rectangle, PNG (even seeds) or JPEG (odd seeds).</summary>
    public static byte[] Image(int width, int height, int seed)
    {
        var random = new Random(seed);
        using var image = new Image<Rgb24>(width, height);
        int x0 = random.Next(width / 2), y0 = random.Next(height / 2);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bool inside = x >= x0 && x < x0 + width / 3 && y >= y0 && y < y0 + height / 3;
                image[x, y] = inside ? new Rgb24(250, 220, (byte)random.Next(40)) : new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            }
        }

        return seed % 2 == 0 ? TestImages.Encode(image, new PngEncoder()) : TestImages.Encode(image, new JpegEncoder { Quality = 90 });
    }

    /// <summary>What decoding, letterboxing, running and post-processing one image on its own gives.</summary>
    public ImageOutcome<string> Single(string key, byte[] bytes, InstancePostProcessorOptions? postProcessing = null) =>
        Single(Session, key, bytes, postProcessing);

    /// <summary>One image on its own through <paramref name="session"/> with the input transform its model names.</summary>
    public static ImageOutcome<string> Single(ModelSession session, string key, byte[] bytes, InstancePostProcessorOptions? postProcessing = null)
    {
        var model = session.Metadata;
        var image = new ImageLoader().Load(bytes);
        var transform = ModelInputTransform.For(model);
        var fit = transform.Fit(image.Height, image.Width);
        var input = new float[3 * fit.CanvasHeight * fit.CanvasWidth];
        var geometry = transform.Apply(image, input);
        using var outputs = session.Run(input, 1, geometry.CanvasHeight, geometry.CanvasWidth);
        var instances = new InstancePostProcessor(postProcessing).Process(
            outputs.Logits, outputs.Boxes, outputs.Masks, model.NumClasses, geometry.CanvasHeight / 4, geometry.CanvasWidth / 4, geometry);
        return new ImageOutcome<string>(key, image.Width, image.Height, instances, null);
    }

    public void Dispose()
    {
        Session.Dispose();
        _tiny.Dispose();
    }
}
