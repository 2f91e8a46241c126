// Image files → planar float RGB (model.md §1.1 step 1: float RGB in [0, 255]) with ImageSharp.

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace DiMaskDino.Model.Data;

/// <summary>Decodes image files (PNG, JPEG, BMP, GIF, TIFF, WebP, …) to <see cref="RgbImage"/>.</summary>
public static class ImageDecoding
{
    /// <summary>
    /// Decodes <paramref name="path"/> as 8-bit RGB (alpha dropped, grey expanded) and applies its EXIF orientation, as
    /// detectron2's read_image does, so the pixels are upright.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an image ImageSharp can decode; the message names it.</exception>
    public static RgbImage Decode(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Image<Rgb24> image;
        try
        {
            image = Image.Load<Rgb24>(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"{path}: image file not found", path, e);
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: cannot decode the image: {e.Message}", e);
        }

        using (image)
        {
            image.Mutate(x => x.AutoOrient());
            return ToPlanar(image);
        }
    }

    /// <summary>Copies an ImageSharp image into planar float RGB.</summary>
    public static RgbImage ToPlanar(Image<Rgb24> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int height = image.Height, width = image.Width, plane = height * width;
        var pixels = new float[3 * plane];
        image.ProcessPixelRows(accessor =>
        {
            for (var y = 0; y < height; y++)
            {
                var row = accessor.GetRowSpan(y);
                var offset = y * width;
                for (var x = 0; x < width; x++)
                {
                    var p = row[x];
                    pixels[offset + x] = p.R;
                    pixels[plane + offset + x] = p.G;
                    pixels[2 * plane + offset + x] = p.B;
                }
            }
        });
        return new RgbImage(height, width, pixels);
    }
}
