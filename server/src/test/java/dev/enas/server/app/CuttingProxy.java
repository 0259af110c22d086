package dev.enas.server.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on a free loopback port in front of a server's port, which can cut every connection
 * through it at once, as a network that drops does: no goodbye on either side, the bytes in flight
 * lost. The browser tests put it between chromium and the HTTP port so that an event stream breaks
 * in the middle of a search without the server's help.
 */
final class CuttingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private final Thread acceptor;

  CuttingProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "cutting-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port to connect to instead of the server's. */
  int port() {
    return listener.getLocalPort();
  }

  /** Connections accepted so far. */
  int accepted() {
    return accepted.get();
  }

  /** Closes every connection open now, on both sides; new ones are relayed as before. */
  int cutAll() {
    int cut = 0;
    for (Socket socket : sockets) {
      try {
        // A reset, not an orderly close: the peer learns of it only when it next reads or writes.
        socket.setSoLinger(true, 0);
      } catch (SocketException e) {
        // already closed
      }
      closeQuietly(socket);
      sockets.remove(socket);
      cut++;
    }
    return cut;
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      accepted.incrementAndGet();
      Socket server;
      try {
        server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
      } catch (IOException e) {
        closeQuietly(client);
        continue;
      }
      sockets.add(client);
      sockets.add(server);
      relay(client, server, "up");
      relay(server, client, "down");
    }
  }

  private void relay(Socket from, Socket to, String direction) {
    Thread pump =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (SocketException e) {
                // cut, or the other side closed
              } catch (IOException e) {
                // the same, seen from a stream
              } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
              }
            },
            "cutting-proxy-" + direction);
    pump.setDaemon(true);
    pump.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException e) {
      // already closed
    }
    cutAll();
  }
}
