"""Gleev sync category names by on-chain category id."""

SYNC_CATEGORY_NAMES: dict[str, str] = {
    "4209396-2": "Art",
    "4209546-2": "Animation and Film",
    "4209572-2": "Autos and Vehicles",
    "4209583-2": "Business and Finance",
    "4209591-2": "Crypto",
    "4209595-2": "DIY",
    "4209603-2": "Education",
    "4209609-2": "Entertainment",
    "4209637-2": "Lifestyle",
    "4209643-2": "Memes and Humor",
    "4209650-2": "Music and Music Videos",
    "4209658-2": "Nature",
    "4209664-2": "News and Current Affairs",
    "4209674-2": "People and Blogs",
    "4209679-2": "Pets and Animals",
    "4209685-2": "Sports",
    "4209691-2": "Technology",
    "4209700-2": "Travel",
    "4209707-2": "Unboxing",
    "4209721-2": "Video Games",
}

# The videoCategoryId values that have a sync category name (what a seed should draw from).
SYNC_CATEGORY_IDS: tuple[str, ...] = tuple(SYNC_CATEGORY_NAMES)
