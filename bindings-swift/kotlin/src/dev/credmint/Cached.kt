// Single-flight caching: the core's TokenCache decides (fresh, refresh in the
// background, refresh first, wait); this only acts and reports back.
package dev.credmint

import kotlinx.coroutines.delay

internal class Cached(newCache: () -> TokenCache) {
    // Made at first use: a credential the core refused to build fails there, with the core's error.
    private val made = lazy(newCache)
    private val cache get() = made.value

    /** The cached token, or the one [refresh] gets; concurrent callers share one refresh. */
    suspend fun get(clock: Clock, refresh: suspend () -> Token): Token {
        while (true) {
            when (val lookup = cache.lookup(clock.now())) {
                is CacheLookup.Fresh -> return lookup.token
                is CacheLookup.WaitForRefresh -> delay(WAIT_MILLIS)
                is CacheLookup.MustRefresh -> return refreshing(refresh)
                is CacheLookup.RefreshInBackground -> return try {
                    refreshing(refresh)
                } catch (failure: CredmintException) {
                    lookup.token // still valid; the next caller tries again
                }
            }
        }
    }

    private suspend fun refreshing(refresh: suspend () -> Token): Token {
        val token = try {
            refresh()
        } catch (failure: Throwable) {
            cache.fail()
            throw failure
        }
        cache.complete(token)
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
