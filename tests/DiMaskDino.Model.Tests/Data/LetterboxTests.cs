using DiMaskDino.Model.Data;
using DiMaskDino.Model.Data.Augmentation;

namespace DiMaskDino.Model.Tests.Data;

public sealed class LetterboxTests
{
    [Fact]
    public void Letterbox_keeps_aspect_pads_bottom_right_and_maps_boxes_back()
    {
        var letterbox = new Letterbox(128, 128, new PadColor(1, 2, 3));
        var image = RgbImage.Filled(100, 200, new PadColor(50, 60, 70));

        var sample = letterbox.Apply(7, image);

        Assert.Equal(new LetterboxInfo(100, 200, 64, 128, 128, 128), sample.Letterbox);
        Assert.Equal((128, 128), (sample.Image.Height, sample.Image.Width));
        Assert.Equal(50f, sample.Image[0, 63, 127], 3);
        Assert.Equal(1f, sample.Image[0, 64, 0]);
        // A box over the whole resized area is the whole original image.
        var whole = sample.Letterbox.ToOriginal(0.5, 0.25, 1.0, 0.5);
        Assert.Equal(new DiMaskDino.Coco.BoundingBox(0, 0, 200, 100), whole);
        // Box (x 32..64, y 16..32) on the canvas → (50..100, 25..50) in the original (scale 0.64).
        var part = sample.Letterbox.ToOriginal(48 / 128.0, 24 / 128.0, 32 / 128.0, 16 / 128.0);
        Assert.Equal(50, part.X, 9);
        Assert.Equal(25, part.Y, 9);
        Assert.Equal(50, part.Width, 9);
        Assert.Equal(25, part.Height, 9);
    }
}
