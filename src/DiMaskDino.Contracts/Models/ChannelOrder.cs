namespace DiMaskDino.Contracts.Models;

/// <summary>The order of the three colour planes the model expects in its input tensor.</summary>
public enum ChannelOrder
{
    Rgb,
    Bgr,
}
