/** The next page of a paginated listing, from `Link: </v2/…?last=x&n=100>; rel="next"` (registries and the Hub). */
export function nextPageLink(header: string | null): string | undefined {
  return /<([^>]+)>\s*;\s*rel="?next"?/.exec(header ?? "")?.[1];
}
