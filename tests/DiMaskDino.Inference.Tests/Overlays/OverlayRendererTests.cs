using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.Overlays;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Inference.Tests.Overlays;

public sealed class OverlayRendererTests
{
    private const int Width = 120, Height = 50;
    private static readonly ModelClass[] Classes = [new(0, 1, "circle"), new(1, 2, "square")];

    [Fact]
    public void Masks_are_tinted_boxes_outlined_and_labels_drawn_on_a_class_coloured_background()
    {
        var image = Grey(100);
        // A square instance: mask x 20..39, y 20..39; box the same.
        var pixels = new byte[Height * Width];
        for (int y = 20; y < 40; y++)
        {
            for (int x = 20; x < 40; x++)
            {
                pixels[y * Width + x] = 1;
            }
        }

        var instance = new InstancePrediction(0, 1, 0.9, 0.87, new BoundingBox(20, 20, 20, 20), Rle.EncodeRowMajor(pixels, Height, Width));
        var renderer = new OverlayRenderer(Classes);

        using var overlay = renderer.Render(image, [instance]);

        var colour = ClassPalette.For(1);
        Assert.Equal((Width, Height), (overlay.Width, overlay.Height));
        Assert.Equal(new Rgb24(100, 100, 100), overlay[5, 45]);                  // untouched
        Assert.Equal(Blend(100, colour), overlay[30, 35]);                        // tinted mask interior
        Assert.Equal(colour, overlay[20, 30]);                                    // left outline, 2 px
        Assert.Equal(colour, overlay[21, 30]);
        Assert.Equal(Blend(100, colour), overlay[22, 30]);
        Assert.Equal(colour, overlay[39, 39]);                                    // bottom-right corner
        Assert.Equal("square 0.87", renderer.Label(instance));
        // The label (7 px glyphs + 1 px padding each side) sits right above the box: y 11..19 from x 20.
        int ink = 0, background = 0;
        for (int y = 11; y < 20; y++)
        {
            for (int x = 20; x < 20 + BitmapFont.MeasureWidth("square 0.87", 1) + 2 && x < Width; x++)
            {
                var pixel = overlay[x, y];
                if (pixel.Equals(colour)) background++;
                else if (pixel.Equals(ClassPalette.TextOn(colour))) ink++;
            }
        }

        Assert.True(ink > 20, $"{ink} text pixels");
        Assert.True(background > ink, $"{background} background pixels");
        Assert.Equal(new Rgb24(100, 100, 100), overlay[10, 15]);                  // left of the label
    }

    [Fact]
    public void A_box_at_the_top_edge_gets_its_label_inside_and_instances_outside_the_image_are_clipped()
    {
        var image = Grey(30);
        var empty = RleMask.Empty(Height, Width);
        var top = new InstancePrediction(0, 0, 0.5, 0.5, new BoundingBox(-5, -3, 30, 20), empty);

        using var overlay = new OverlayRenderer(Classes).Render(image, [top]);

        Assert.Equal(ClassPalette.For(0), overlay[0, 0]);       // label background at the top-left corner
        Assert.Equal(ClassPalette.For(0), overlay[24, 16]);     // right edge of the clipped box
    }

    [Fact]
    public void A_mask_of_another_size_is_rejected()
    {
        var wrong = new InstancePrediction(0, 0, 0.5, 0.5, new BoundingBox(0, 0, 1, 1), RleMask.Empty(10, 10));

        Assert.Throws<ArgumentException>(() => new OverlayRenderer(Classes).Render(Grey(0), [wrong]));
    }

    private static DecodedImage Grey(float value) => new(Height, Width, Enumerable.Repeat(value, 3 * Height * Width).ToArray(), "PNG");

    private static Rgb24 Blend(byte under, Rgb24 colour)
    {
        byte B(byte over) => (byte)MathF.Round(under + OverlayRenderer.MaskOpacity * (over - under));
        return new Rgb24(B(colour.R), B(colour.G), B(colour.B));
    }
}
