echo abc | wc -c
