package dev.specula.service.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;

import java.util.concurrent.CompletableFuture;

/**
 * Cancels a job when its client's connection closes. A non-streamed response has nothing to write
 * until the end, so without this a client that gave up would keep the engine busy to the last token.
 */
final class DisconnectWatch {
    private DisconnectWatch() {
    }

    /** Watches the connection of {@code request} until {@code done} completes. */
    static void cancelOnDisconnect(HttpRequest<?> request, GenerationJob job, CompletableFuture<?> done) {
        if (!(request instanceof NettyHttpRequest<?> netty)) {
            return;
        }
        ChannelFuture closed = netty.getChannelHandlerContext().channel().closeFuture();
        ChannelFutureListener cancel = f -> job.cancel();
        closed.addListener(cancel);
        // Keep-alive connections outlive requests: forget the job once it is answered.
        done.whenComplete((value, error) -> closed.removeListener(cancel));
    }
}
