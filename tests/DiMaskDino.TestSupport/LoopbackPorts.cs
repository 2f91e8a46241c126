using System.Net;
using System.Net.Sockets;

namespace DiMaskDino.TestSupport;

/// <summary>Ports for servers the tests start on 127.0.0.1.</summary>
public static class LoopbackPorts
{
    /// <summary>A port free right now; another process may take it before the caller binds it, so callers retry.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
