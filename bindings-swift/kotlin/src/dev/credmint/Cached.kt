// Single-flight caching: the core's TokenCache decides (fresh, refresh in the
// background, refresh first, wait, the waited-for refresh failed); this only
// acts and reports back.
package dev.credmint

import kotlinx.coroutines.delay

internal class Cached(newCache: () -> TokenCache, private val shared: SharedTokens? = null) {
    // Made at first use: a credential the core refused to build fails there, with the core's error.
    private val made = lazy(newCache)
    private val cache get() = made.value

    // The error of the last refresh that failed, for the callers that waited for it.
    @Volatile private var failure: Throwable? = null

    /**
     * The cached token, or the one [refresh] gets; concurrent callers share one
     * refresh, and its failure: a caller that waited for it gets its error
     * (a cancelled refresh: its CancellationException, as a cancelled `Deferred` gives).
     */
    suspend fun get(clock: Clock, refresh: suspend () -> Token): Token {
        var waitedFor: ULong? = null // the refresh this caller waits for, once told to wait
        while (true) {
            val now = clock.now()
            when (val lookup = if (waitedFor == null) cache.lookup(now) else cache.lookupAfterWait(now, waitedFor)) {
                is CacheLookup.Fresh -> return lookup.token
                is CacheLookup.WaitForRefresh -> {
                    waitedFor = lookup.generation
                    delay(WAIT_MILLIS)
                }
                // Set before the core heard of the failure (refreshing), so it is there.
                is CacheLookup.RefreshFailed -> throw checkNotNull(failure) { "a failed refresh without its error" }
                is CacheLookup.MustRefresh -> return refreshing(clock, null, refresh)
                is CacheLookup.RefreshInBackground -> return try {
                    refreshing(clock, lookup.token, refresh)
                } catch (failure: CredmintException) {
                    lookup.token // still valid; the next caller tries again
                }
            }
        }
    }

    private suspend fun refreshing(clock: Clock, current: Token?, refresh: suspend () -> Token): Token {
        val (token, until) = try {
            if (shared == null) refresh() to null else shared.refresh(clock, current, refresh)
        } catch (failed: Throwable) {
            failure = failed
            cache.fail()
            throw failed
        }
        if (until == null) cache.complete(token) else cache.completeUntil(token, until)
        return token
    }

    /** Forgets the token (an API refused it). */
    fun invalidate() {
        if (made.isInitialized()) cache.invalidate()
    }

    private companion object {
        const val WAIT_MILLIS = 20L
    }
}
